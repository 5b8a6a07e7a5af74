"""vCard reader (3.0 and 4.0) and writer (3.0), pure Python (RFC 2426 / RFC 6350).

Only the properties contacts need; CrisisCenter's own fields travel as X-CRISISCENTER-*
properties. Values are escaped (backslash, comma, semicolon, newline) and lines folded at
75 octets, so hostile text cannot inject properties or break a card.
"""

from collections.abc import Iterable

from contacts.problems import TextProblem, gettext_noop

X = "X-CRISISCENTER-"
_EXTRA = {
    "kind": "KIND", "preferred_channels": "CHANNELS", "availability": "AVAILABILITY",
    "availability_tz": "TZ", "last_verified": "VERIFIED", "slack_webhook_url": "SLACK-WEBHOOK",
    "slack_member_id": "SLACK-ID", "teams_webhook_url": "TEAMS-WEBHOOK", "crisiscenter_id": "ID",
}  # fmt: skip


class VcardInvalid(TextProblem):
    pass


def _escape(value: str) -> str:
    return (
        value.replace("\\", "\\\\")
        .replace("\r\n", "\n")
        .replace("\r", "\n")
        .replace("\n", "\\n")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def vcard_write(contacts: Iterable[dict]) -> str:
    """vCard 3.0 text for dicts with the csvio FIELDS keys."""
    lines: list[str] = []
    for c in contacts:
        props = [
            ("BEGIN", "VCARD", False), ("VERSION", "3.0", False),
            ("FN", c.get("name", ""), True), ("N", _escape(c.get("name", "")) + ";;;;", False),
        ]  # fmt: skip
        if c.get("organisation"):
            props.append(("ORG", c["organisation"], True))
        if c.get("role_title"):
            props.append(("TITLE", c["role_title"], True))
        if c.get("phone"):
            props.append(("TEL;TYPE=CELL", c["phone"], True))
        if c.get("email"):
            props.append(("EMAIL;TYPE=INTERNET", c["email"], True))
        if c.get("notes"):
            props.append(("NOTE", c["notes"], True))
        for key, suffix in _EXTRA.items():
            if c.get(key):
                props.append((X + suffix, str(c[key]), True))
        props.append(("END", "VCARD", False))
        lines.extend(_fold(f"{n}:{_escape(v) if esc else v}") for n, v, esc in props)
    return "\r\n".join(lines) + ("\r\n" if lines else "")


def _unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        char = value[i]
        if char == "\\" and i + 1 < len(value):
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _split_unescaped(value: str, sep: str) -> list[str]:
    parts, current, i = [], "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            current += value[i : i + 2]
            i += 2
            continue
        if value[i] == sep:
            parts.append(current)
            current = ""
        else:
            current += value[i]
        i += 1
    parts.append(current)
    return parts


def _unfold(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if raw[:1] in (" ", "\t") and lines:
            lines[-1] += raw[1:]
        elif raw.strip():
            lines.append(raw)
    return lines


def _property(line: str) -> tuple[str, dict[str, str], str]:
    if ":" not in line:
        raise VcardInvalid(gettext_noop("a line without a colon: “%(line)s”"), line=line[:40])
    head, value = line.split(":", 1)
    name, *params = head.split(";")
    name = name.split(".")[-1].upper()  # drop a group prefix ("item1.EMAIL")
    parsed = {}
    for param in params:
        key, _, val = param.partition("=")
        parsed[key.upper()] = val
    return name, parsed, value


def _card_to_row(props: list[tuple[str, dict[str, str], str]]) -> dict:
    row: dict[str, str] = {}
    for name, _params, value in props:
        if name == "FN":
            row["name"] = _unescape(value)
        elif name == "N" and "name" not in row:
            family, given, *_rest = [*_split_unescaped(value, ";"), "", ""]
            row["name"] = " ".join(p for p in (_unescape(given), _unescape(family)) if p)
        elif name == "ORG":
            row["organisation"] = _unescape(_split_unescaped(value, ";")[0])
        elif name == "TITLE":
            row["role_title"] = _unescape(value)
        elif name == "TEL" and "phone" not in row:
            value = value[4:] if value.lower().startswith("tel:") else value  # 4.0 VALUE=uri
            row["phone"] = _unescape(value)
        elif name == "EMAIL" and "email" not in row:
            row["email"] = _unescape(value)
        elif name == "NOTE":
            row["notes"] = _unescape(value)
        elif name.startswith(X):
            for key, suffix in _EXTRA.items():
                if name == X + suffix:
                    row[key] = _unescape(value)
    return row


def vcard_read(text: str) -> list[dict]:
    """One dict per card (keys as csvio FIELDS, missing ones absent); raises VcardInvalid."""
    cards: list[dict] = []
    current: list | None = None
    for line in _unfold(text.lstrip("\ufeff")):
        name, _params, value = _property(line)
        if name == "BEGIN" and value.strip().upper() == "VCARD":
            if current is not None:
                raise VcardInvalid(gettext_noop("BEGIN:VCARD inside a card"))
            current = []
        elif name == "END" and value.strip().upper() == "VCARD":
            if current is None:
                raise VcardInvalid(gettext_noop("END:VCARD without BEGIN:VCARD"))
            cards.append(_card_to_row(current))
            current = None
        elif current is None:
            raise VcardInvalid(gettext_noop("a property outside a card: %(name)s"), name=name)
        else:
            current.append((name, _params, value))
    if current is not None:
        raise VcardInvalid(gettext_noop("a card is not closed with END:VCARD"))
    return cards
