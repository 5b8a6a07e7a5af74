"""The starter library: one base text per scenario and language (empathy, facts only, a next
step, where to find more, no promises). Installed by `statement_templates_install_starters`."""

STARTERS: list[dict[str, str]] = [
    {
        "scenario": "news_coverage",
        "language": "nl",
        "title": "Reactie op berichtgeving",
        "body": (
            "Vandaag is er in de media aandacht voor {what_happened}. We begrijpen dat dit "
            "vragen oproept en dat het onrust geeft.\n\n"
            "Wat we nu weten: {what_we_know}\n{confirmed_facts}\n\n"
            "Wat we nog niet weten: {what_we_dont_know}. We delen pas informatie als die "
            "klopt.\n\n"
            "Volgende stap: {next_steps}\n\n"
            "Meer informatie en updates: {more_info_url}\n— {organisation}"
        ),
    },
    {
        "scenario": "news_coverage",
        "language": "en",
        "title": "Response to news coverage",
        "body": (
            "Today the media are reporting on {what_happened}. We understand this raises "
            "questions and causes concern.\n\n"
            "What we know now: {what_we_know}\n{confirmed_facts}\n\n"
            "What we don't know yet: {what_we_dont_know}. We will only share information once "
            "it is confirmed.\n\n"
            "Next step: {next_steps}\n\n"
            "More information and updates: {more_info_url}\n— {organisation}"
        ),
    },
    {
        "scenario": "viral_complaint",
        "language": "nl",
        "title": "Reactie op een klacht die rondgaat",
        "body": (
            "We hebben gezien wat er is gedeeld over {what_happened}. Het spijt ons dat dit "
            "is gebeurd, en we begrijpen de reacties.\n\n"
            "Wat we weten: {what_we_know}\n{confirmed_facts}\n\n"
            "We zoeken nog uit: {what_we_dont_know}.\n\n"
            "Wat we nu doen: {next_steps}\n\n"
            "Heeft u hetzelfde meegemaakt? Kijk op {more_info_url} of neem contact met ons op.\n"
            "— {organisation}"
        ),
    },
    {
        "scenario": "viral_complaint",
        "language": "en",
        "title": "Response to a viral complaint",
        "body": (
            "We have seen what has been shared about {what_happened}. We are sorry this "
            "happened, and we understand the reactions.\n\n"
            "What we know: {what_we_know}\n{confirmed_facts}\n\n"
            "What we are still looking into: {what_we_dont_know}.\n\n"
            "What we are doing now: {next_steps}\n\n"
            "Had the same experience? Visit {more_info_url} or contact us.\n— {organisation}"
        ),
    },
    {
        "scenario": "data_leak",
        "language": "nl",
        "title": "Datalek: eerste bericht",
        "body": (
            "{organisation} heeft vastgesteld dat {what_happened}. Het spijt ons zeer. We "
            "begrijpen dat u zich zorgen maakt over uw gegevens.\n\n"
            "Wat we weten: {what_we_know}\n{confirmed_facts}\n\n"
            "Wat we nog onderzoeken: {what_we_dont_know}. We hebben de Autoriteit "
            "Persoonsgegevens ingelicht.\n\n"
            "Wat u kunt doen en wat wij doen: {next_steps}\n\n"
            "We houden u op de hoogte via {more_info_url}. Wij vragen u nooit om uw wachtwoord "
            "of codes."
        ),
    },
    {
        "scenario": "data_leak",
        "language": "en",
        "title": "Data leak: first statement",
        "body": (
            "{organisation} has established that {what_happened}. We are very sorry. We "
            "understand you are worried about your data.\n\n"
            "What we know: {what_we_know}\n{confirmed_facts}\n\n"
            "What we are still investigating: {what_we_dont_know}. We have informed the data "
            "protection authority.\n\n"
            "What you can do and what we are doing: {next_steps}\n\n"
            "We will keep you updated at {more_info_url}. We will not ask you for your password "
            "or codes."
        ),
    },
    {
        "scenario": "employee_message",
        "language": "nl",
        "title": "Bericht aan medewerkers",
        "body": (
            "Beste collega's,\n\nJe hebt misschien gehoord over {what_happened}. We begrijpen "
            "dat dit vragen oproept, ook bij jou.\n\n"
            "Wat we weten: {what_we_know}\n{confirmed_facts}\n\n"
            "Wat we nog niet weten: {what_we_dont_know}.\n\n"
            "Wat we van je vragen: {next_steps}. Verwijs vragen van pers en klanten door naar "
            "de woordvoering.\n\n"
            "Meer informatie: {more_info_url}\n— {organisation}"
        ),
    },
    {
        "scenario": "employee_message",
        "language": "en",
        "title": "Message to employees",
        "body": (
            "Dear colleagues,\n\nYou may have heard about {what_happened}. We understand this "
            "raises questions, for you too.\n\n"
            "What we know: {what_we_know}\n{confirmed_facts}\n\n"
            "What we don't know yet: {what_we_dont_know}.\n\n"
            "What we ask of you: {next_steps}. Please refer questions from the press and "
            "customers to the press office.\n\n"
            "More information: {more_info_url}\n— {organisation}"
        ),
    },
]
