"""Helpers shared by platform clients: HTML to plain text, times, language codes."""

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

_BLOCK_TAGS = frozenset({"p", "div", "blockquote", "li", "ul", "ol", "pre", "tr", "h1", "h2"})
_UNTERMINATED_TAG = re.compile(r"<[A-Za-z/!?][^>]*\Z")
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})


class _TextExtractor(HTMLParser):
    """Collects the text (and the non-mention links) of an HTML fragment; never any markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.links: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")
        elif tag == "a":  # links to content, not to profiles (mention) or tag pages (hashtag)
            attr = dict(attrs)
            kinds = {"mention", "hashtag"} & set((attr.get("class") or "").split())
            if (attr.get("href") or "").startswith(("http://", "https://")) and not kinds:
                self.links.append(attr["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_links_and_text(html: str) -> tuple[str, tuple[str, ...]]:
    """Plain text of an HTML fragment (paragraphs and <br> kept as line breaks) and its links."""
    parser = _TextExtractor()
    # An unterminated tag at the very end would otherwise come out as literal "<tag" text.
    parser.feed(_UNTERMINATED_TAG.sub("", html))
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip(), tuple(dict.fromkeys(parser.links))


def html_to_text(html: str) -> str:
    """Plain text of HTML: tags and script/style bodies dropped, entities decoded."""
    return html_links_and_text(html)[0]


def parse_time(value: Any, field: str) -> datetime:
    """An aware UTC datetime from an ISO 8601 string; raises ValueError naming the field."""
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{field}: not an ISO datetime") from None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def language_code(value: Any) -> str:
    """`nl-NL`, `NL_nl` → `nl`; empty when unknown."""
    return str(value or "").replace("_", "-").split("-")[0].strip().lower()[:10]
