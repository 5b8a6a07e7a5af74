"""Helpers shared by platform clients: HTML to plain text, links and hashtags of a text, times,
language codes, and URLs with their secrets masked."""

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any

_BLOCK_TAGS = frozenset({"p", "div", "blockquote", "li", "ul", "ol", "pre", "tr", "h1", "h2"})
_UNTERMINATED_TAG = re.compile(r"<[A-Za-z/!?][^>]*\Z")
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
# Links and hashtags kept per post: enough to trace spread, bounded against spam walls of tags.
MAX_ENTITIES = 20
MAX_URL_LENGTH = 2000
MAX_HASHTAG_LENGTH = 100
# Not in a URL: space, quotes, brackets, and CJK or full-width punctuation ("。", "、").
_URL = re.compile(
    r"\bhttps?://[^\s<>\"'`{}|\\^\[\]\u3000-\u303f\uff01-\uff0f\uff1a-\uff1f]+", re.IGNORECASE
)
_HTTP_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_URL_TRAILING = ".,;:!?*'\""
# Not after a word character (C#, a URL fragment), "&" (an entity such as &#39;) or another "#".
_HASHTAG = re.compile(r"(?<![\w&#])#(\w+)")

# Credentials that can sit in a URL (a private feed's, in an error message): user:password@,
# secret-looking params.
_URL_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/@\s]+@")
# The value runs to the next parameter or the URL's end; punctuation closing the URL in prose
# ("…?key=abc: HTTP 500") stays outside it, so masking twice gives the same text.
_URL_SECRET_PARAM = re.compile(
    r"(?i)([?&;][^=&\s]*(?:key|token|secret|pass|auth|sig|session)[^=&\s]*=)"
    r"[^&\s]+?(?=[:,;.)\]'\"]{0,8}(?:[&\s]|$))"
)
# A URL's host, then the rest, where any other value or path segment that looks like a token
# (16 or more word characters, dots, tildes or hyphens, letters and digits mixed) is masked:
# "?k=9f8e...", "/feeds/tXyZ12ab...xml". The host stays readable.
_URL_AFTER_HOST = re.compile(r"(?i)(?<=://)([^/\s?#]*)([/?#][^\s\"'<>]*)")
_URL_TOKENISH = re.compile(
    r"(?<=[/=:])(?=[\w.~-]*\d)(?=[\w.~-]*[a-z])[\w.~-]{16,}(?![\w.~-])", re.I | re.A
)


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


def storable_text(value: str) -> str:
    """`value` as PostgreSQL's text takes it: NULs dropped, a lone surrogate (JSON can carry
    "\\ud800", UTF-8 cannot) as "?". One such value must not fail its whole page or batch.
    Plain ASCII without a NUL, nearly every value, comes back as it is at the cost of two
    C-level scans."""
    if "\x00" in value:
        value = value.replace("\x00", "")
    if not value.isascii():
        try:
            value.encode()
        except UnicodeEncodeError:
            value = value.encode(errors="replace").decode()
    return value


def storable_as_is(value: str) -> bool:
    """Whether PostgreSQL stores `value` unchanged (no NUL, no lone surrogate): an id must be
    refused rather than cleaned, as two ids must not become one."""
    return storable_text(value) == value


def language_code(value: Any) -> str:
    """`nl-NL`, `NL_nl` → `nl`; empty when unknown or not letters (a platform's value is not
    trusted: a NUL in it would fail the whole page's insert)."""
    code = str(value or "").replace("_", "-").split("-")[0].strip().lower()[:10]
    return code if code.isascii() and code.isalpha() else ""


def _url_end(url: str) -> str:
    """A URL found in prose, up to a ")" it did not open ("(see https://x.org/a)", Markdown's
    "[text](https://x.org/a)") and without the punctuation after it."""
    depth = 0
    for index, char in enumerate(url):
        depth += (char == "(") - (char == ")")
        if depth < 0:
            url = url[:index]
            break
    return url.rstrip(_URL_TRAILING)


def is_http_url(value: str) -> bool:
    """An absolute http(s) URL without spaces, at most MAX_URL_LENGTH long."""
    return len(value) <= MAX_URL_LENGTH and bool(_HTTP_URL.fullmatch(value))


def unique_entities(values: Iterable[str], *, hashtags: bool = False) -> tuple[str, ...]:
    """Non-empty values once each (hashtags without "#", compared case-insensitively), in order,
    at most MAX_ENTITIES; URLs that are not `is_http_url` are left out."""
    kept: dict[str, str] = {}
    for value in values:
        value = str(value or "").strip()
        if hashtags:
            value = value.lstrip("#")[:MAX_HASHTAG_LENGTH]
        elif not is_http_url(value):
            continue
        key = value.casefold() if hashtags else value
        if value and key not in kept:
            kept[key] = value
            if len(kept) == MAX_ENTITIES:
                break
    return tuple(kept.values())


def text_entities(
    text: str, *, urls: Iterable[str] = (), hashtags: Iterable[str] = ()
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(URLs, hashtags) of a post: those given (what the platform itself provides) first, then
    those written in the text; deduplicated, order kept, bounded (see `unique_entities`)."""
    found_urls = [_url_end(match.group()) for match in _URL.finditer(text)]
    prose = _URL.sub(" ", text)  # a URL's "#fragment" is no hashtag
    found_tags = [tag for tag in _HASHTAG.findall(prose) if any(c.isalpha() for c in tag)]
    return (
        unique_entities([*urls, *found_urls]),
        unique_entities([*hashtags, *found_tags], hashtags=True),
    )


def url_secrets_masked(text: str) -> str:
    """`text` with what looks like a credential in its URLs replaced by ***: a user and password,
    a key/token/secret/... parameter's value, a token-like path segment or value."""
    text = _URL_USERINFO.sub(r"\1***@", text)
    text = _URL_SECRET_PARAM.sub(r"\1***", text)
    return _URL_AFTER_HOST.sub(_tokenish_masked, text)


def _tokenish_masked(url: re.Match) -> str:
    return url.group(1) + _URL_TOKENISH.sub("***", url.group(2))
