"""Placeholders in statement texts: `{name}` with a fixed set of names. Pure, no Django.

Deliberately not a template engine: user text is never evaluated, only `{name}` tokens of
the known names are replaced (plain string substitution, values inserted verbatim). `{{` and
`}}` stand for literal braces. The editor mirrors this in static/js/statements.js.
"""

import re

PLACEHOLDERS = (
    "organisation",
    "what_happened",
    "what_we_know",
    "what_we_dont_know",
    "next_steps",
    "more_info_url",
    "confirmed_facts",
)
TOKEN_RE = re.compile(r"\{\{|\}\}|\{([^{}\s]{1,40})\}")


def placeholders_in(text: str) -> list[str]:
    """Every `{name}` in the text (known or not), in order of first appearance."""
    names: list[str] = []
    for match in TOKEN_RE.finditer(text):
        name = match.group(1)
        if name and name not in names:
            names.append(name)
    return names


def unknown_placeholders(text: str) -> list[str]:
    """Names used in the text that are not placeholders we know."""
    return [name for name in placeholders_in(text) if name not in PLACEHOLDERS]


def render(text: str, values: dict[str, str]) -> str:
    """Replace `{name}` by its value where a non-empty value is given; leave the rest as is."""

    def replace(match: re.Match) -> str:
        token, name = match.group(0), match.group(1)
        if name is None:
            return token  # `{{`/`}}` stay escaped until the text is final (see `finalise`)
        value = (values.get(name) or "").strip()
        return value if name in PLACEHOLDERS and value else token

    return TOKEN_RE.sub(replace, text)


def unfilled(text: str) -> list[str]:
    """Placeholder tokens still in a text that is meant to be final (known or unknown)."""
    return placeholders_in(text)


def finalise(text: str) -> str:
    """The text as it is published: `{{`/`}}` become literal braces."""
    return text.replace("{{", "{").replace("}}", "}")
