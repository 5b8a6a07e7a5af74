import pytest

from statements.facts import contradictions, facts_extract
from statements.placeholders import finalise, render, unfilled, unknown_placeholders
from statements.tone import tone_check

GOOD_NL = (
    "Het spijt ons dat inloggen in de app sinds 14:00 niet lukt. We houden u op de hoogte via "
    "https://banknoord.example/status"
)
GOOD_EN = "We are sorry the app is down. More information: https://banknoord.example/status"


def codes(text: str) -> list[str]:
    return [w.code for w in tone_check(text)]


@pytest.mark.parametrize("text", [GOOD_NL, GOOD_EN])
def test_tone_check_is_quiet_on_a_good_statement(text):
    assert codes(text) == []


@pytest.mark.parametrize(
    ("text", "code", "excerpt"),
    [
        ("Sorry. We garanderen dat het werkt. Meer informatie volgt.", "promise", "We garanderen"),
        ("Sorry, dit gebeurt nooit meer. Meer informatie volgt.", "promise", "nooit meer"),
        ("Sorry, 100% opgelost. Meer informatie volgt.", "promise", "100%"),
        ("Sorry. We guarantee it. More information soon.", "promise", "guarantee"),
        ("Sorry, this will never again happen. Visit our site.", "promise", "never again"),
        ("Sorry, het komt waarschijnlijk door drukte. Meer informatie volgt.", "speculation",
         "waarschijnlijk"),
        ("Sorry, we denken dat het morgen werkt. Meer informatie volgt.", "speculation",
         "we denken dat"),
        ("Sorry, it is probably fixed. More information soon.", "speculation", "probably"),
        ("Sorry, dit kwam door een leverancier. Meer informatie volgt.", "blame",
         "door een leverancier"),
        ("Sorry, it is not our fault. More information soon.", "blame", "not our fault"),
        ("Sorry, de backend had latency. Meer informatie volgt.", "jargon", "backend"),
    ],
)  # fmt: skip
def test_tone_check_flags_and_points_to_the_span(text, code, excerpt):
    warnings = [w for w in tone_check(text) if w.code == code]
    assert warnings, codes(text)
    warning = warnings[0]
    assert excerpt.lower() in text[warning.start : warning.end].lower()
    assert excerpt.lower() in str(warning.message).lower()


def test_tone_check_misses_empathy_and_next_step():
    assert set(codes("De app werkt niet.")) == {"no_empathy", "no_next_step"}
    assert set(codes("The app is down.")) == {"no_empathy", "no_next_step"}
    assert codes("") == []


def test_facts_extract_numbers_dates_amounts_with_context():
    found = {
        (f.kind, f.key, f.value)
        for f in facts_extract(
            "Sinds 24 november konden 2.000 klanten niet betalen; € 50 per klant."
        )
    }
    assert ("date", "sind", "11-24") in found
    assert ("number", "klant", "2000") in found
    assert ("amount", "klant", "50") in found


def test_contradictions_flag_a_different_number_for_the_same_thing():
    published = [("Eerste reactie (X)", "Sinds 14:00 kunnen 2.000 klanten niet inloggen.")]
    warnings = contradictions("Sinds 14:00 kunnen 3.500 klanten niet inloggen.", published)
    assert [(w.code, w.excerpt) for w in warnings] == [("contradiction", "3.500")]
    assert "Eerste reactie (X)" in str(warnings[0].message)


def test_contradictions_flag_a_different_date_and_ignore_agreeing_facts():
    published = [("Website", "The outage started on 24 November and affects 2,000 customers.")]
    assert contradictions("The outage started on 24 November; 2,000 customers.", published) == []
    warnings = contradictions("The outage started on 23 November.", published)
    assert [w.excerpt for w in warnings] == ["23 November"]


def test_placeholders_render_only_known_names_and_report_unfilled():
    text = "{organisation}: {what_happened}. {{letterlijk}} {onbekend}"
    assert unknown_placeholders(text) == ["onbekend"]
    rendered = render(text, {"organisation": "Bank Noord", "what_happened": ""})
    assert rendered.startswith("Bank Noord: {what_happened}.")
    assert unfilled(rendered) == ["what_happened", "onbekend"]
    assert finalise("{{letterlijk}}") == "{letterlijk}"


def test_placeholders_never_evaluate_user_text():
    values = {"organisation": "{{ request.user }} {% load x %} {what_happened}"}
    rendered = render("{organisation}", values)
    assert rendered == "{{ request.user }} {% load x %} {what_happened}"
