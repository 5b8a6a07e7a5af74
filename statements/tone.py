"""The tone check: warnings (never blocks) about a statement text, Dutch and English.

Pure functions (no database). Every warning names its rule and points to the span it is about
(`start`/`end` character offsets; None when it is about something missing). Messages are
lazy translations resolved by the caller's language.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from statements.counting import url_spans


@dataclass(frozen=True)
class ToneWarning:
    code: str
    message: str
    start: int | None = None
    end: int | None = None
    excerpt: str = ""

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "message": str(self.message),
            "start": self.start,
            "end": self.end,
            "excerpt": self.excerpt,
        }


def _words(*phrases: str) -> re.Pattern:
    body = "|".join(phrases)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


PATTERNS: list[tuple[str, re.Pattern, object]] = [
    (
        "promise",
        _words(
            r"we garanderen",
            r"garanderen",
            r"gegarandeerd",
            r"nooit meer",
            r"nooit weer",
            r"altijd",
            r"volledig veilig",
            r"beloven",
            r"100\s?%",
            r"geen enkel risico",
            r"we guarantee",
            r"guarantee[ds]?",
            r"never again",
            r"will never(?! again)",
            r"always",
            r"completely safe",
            r"we promise",
            r"promise[ds]?",
            r"zero risk",
        ),
        _("Promise or absolute: only say what you can keep (%(excerpt)s)."),
    ),
    (
        "speculation",
        _words(
            r"waarschijnlijk",
            r"vermoedelijk",
            r"we denken dat",
            r"we vermoeden",
            r"misschien",
            r"mogelijk",
            r"wellicht",
            r"naar verwachting",
            r"probably",
            r"likely",
            r"we think",
            r"we believe",
            r"we suspect",
            r"maybe",
            r"perhaps",
            r"presumably",
            r"it seems",
        ),
        _("Speculation: stick to confirmed facts (%(excerpt)s)."),
    ),
    (
        "blame",
        _words(
            r"door een leverancier",
            r"de leverancier",
            r"een derde partij",
            r"niet onze schuld",
            r"buiten onze schuld",
            r"onze partner",
            r"door (?:een )?externe partij",
            r"not our fault",
            r"a (?:third[- ]party )?supplier",
            r"third[- ]party",
            r"our vendor",
            r"a vendor",
            r"beyond our control",
            r"caused by our partner",
        ),
        _("Blame shifting: take responsibility for what customers experience (%(excerpt)s)."),
    ),
    (
        "jargon",
        _words(
            r"root cause",
            r"mitigatie",
            r"mitigation",
            r"ddos",
            r"latency",
            r"latentie",
            r"backend",
            r"back-end",
            r"api",
            r"failover",
            r"rollback",
            r"incident response",
            r"downtime",
            r"degradatie",
            r"degraded performance",
            r"sla",
            r"hotfix",
            r"datalek-procedure",
            r"p1",
            r"sev\d",
        ),
        _("Jargon: use words your customers use (%(excerpt)s)."),
    ),
]
EMPATHY_RE = _words(
    r"sorry",
    r"excuses",
    r"excuus",
    r"het spijt ons",
    r"spijt",
    r"we begrijpen",
    r"begrijpelijk",
    r"vervelend",
    r"we apologi[sz]e",
    r"apolog(?:y|ies)",
    r"we understand",
    r"frustrating",
    r"we regret",
    r"onze excuses",
)
NEXT_STEP_RE = _words(
    r"volgende stap",
    r"we houden u op de hoogte",
    r"we houden je op de hoogte",
    r"update",
    r"om \d{1,2}[:.]\d{2}",
    r"kijk op",
    r"meer informatie",
    r"neem contact op",
    r"bel",
    r"next step",
    r"we will update",
    r"we'll update",
    r"keep you (?:posted|updated)",
    r"more information",
    r"contact us",
    r"call us",
    r"visit",
)


def tone_check(text: str) -> list[ToneWarning]:
    """Warnings for promises, speculation, blame, jargon, missing empathy or next step."""
    warnings: list[ToneWarning] = []
    for code, pattern, message in PATTERNS:
        for match in pattern.finditer(text):
            excerpt = match.group(0)
            warnings.append(
                ToneWarning(code, message % {"excerpt": f"“{excerpt}”"}, *match.span(), excerpt)
            )
    if text.strip() and not EMPATHY_RE.search(text):
        warnings.append(
            ToneWarning(
                "no_empathy", _("No empathy or apology: acknowledge what people go through.")
            )
        )
    if text.strip() and not url_spans(text) and not NEXT_STEP_RE.search(text):
        warnings.append(
            ToneWarning(
                "no_next_step",
                _(
                    "No next step or information link: tell people what happens next or where "
                    "to find more."
                ),
            )
        )
    warnings.sort(key=lambda w: (w.start is None, w.start or 0))
    return warnings
