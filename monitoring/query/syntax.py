"""Watch-term syntax: folding, the immutable query tree, the parser and local matching.

The rules are in the package docstring (monitoring/query/__init__.py).
"""

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

MAX_QUERY_LENGTH = 500  # WatchTerm.query's max_length
MAX_TERMS = 50
MAX_DEPTH = 10  # nested parentheses; also keeps the recursive parser far from Python's limit
KEYWORDS = frozenset({"AND", "OR", "NOT"})
WORD = re.compile(r"\w+")
_BARE = re.compile(r'[^\s()"]+')
_QUOTES = str.maketrans(dict.fromkeys("\u201c\u201d\u201e\u201f", '"'))


def gettext_noop(message: str) -> str:
    """Marks `message` for the translation catalogue (makemessages finds this name) and
    returns it unchanged: this package stays free of Django, the web side translates."""
    return message


class QuerySyntaxError(ValueError):
    """An unusable query. `code` is stable; `position` is 1-based. The English text is
    `template` (marked for translation) filled with `position` and `params` by
    `str.format`, so a translated template can be filled the same way (`message_in`)."""

    def __init__(
        self, code: str, template: str, position: int | None = None, **params: object
    ) -> None:
        self.code = code
        self.template = template
        self.position = position
        self.params = params
        super().__init__(self.message_in(template))

    def message_in(self, template: str) -> str:
        """`template` (this error's own, or its translation) filled with this error's values;
        the English one if a translation names a value this error does not have."""
        try:
            return template.format(position=self.position, **self.params)
        except (KeyError, IndexError, ValueError):
            return self.template.format(position=self.position, **self.params)


# What an unusable query is told: English templates for `str.format`, marked for translation.
EMPTY = gettext_noop("query is empty")
TOO_LONG = gettext_noop("query is longer than {max_length} characters")
TOO_MANY_TERMS = gettext_noop("query has more than {max_terms} terms")
ONLY_EXCLUSIONS = gettext_noop(
    "'{query}' only excludes terms, so it would match nearly every post; add a term to look for"
)
NO_WORDS = gettext_noop("term {term!r} has no letters or digits")
NO_WORDS_AT = gettext_noop("term {term!r} at position {position} has no letters or digits")
EMPTY_PHRASE = gettext_noop("empty phrase at position {position}")
UNBALANCED_QUOTE = gettext_noop("unbalanced quote at position {position}")
DASH_ALONE = gettext_noop("'-' at position {position} needs a term right after it")
NOT_ALONE = gettext_noop("{operator} at position {position} needs a term after it")
OPERATOR_ALONE = gettext_noop("{operator} at position {position} needs a term on both sides")
UNEXPECTED_CLOSE = gettext_noop("unexpected ')' at position {position}")
UNCLOSED = gettext_noop("unclosed '(' at position {position}")
EMPTY_GROUP = gettext_noop("empty parentheses at position {position}")
TOO_DEEP = gettext_noop("more than {max_depth} nested parentheses at position {position}")


class _StripMarks(dict[int, int | None]):
    """`str.translate` table deleting combining marks, filled lazily per code point seen."""

    def __missing__(self, code: int) -> int | None:
        self[code] = None if unicodedata.combining(chr(code)) else code
        return self[code]


_STRIP_MARKS = _StripMarks()


@cache
def _may_have_marks() -> Callable[[str], re.Match[str] | None]:
    """`search` finding any character `_STRIP_MARKS` deletes: exactly the combining marks of
    the BMP, then one range from the first to the last mark of plane 1 (emoji lie beyond it),
    then all of planes 2-16 (a short one-off scan). A superset only costs the translate; the
    regex engine tries ranges above the BMP one by one for every character, so few of them."""
    marks = [c for c in range(0x80, 0x20000) if unicodedata.combining(chr(c))]
    bmp, astral = [c for c in marks if c <= 0xFFFF], [c for c in marks if c > 0xFFFF]
    ranges = [(c, c) for c in bmp] + [(astral[0], astral[-1]), (0x20000, 0x10FFFF)]
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in ranges) + "]").search


def fold(text: str) -> str:
    """Case- and accent-free form compared on both sides of every match ("Noörd" -> "noord")."""
    if text.isascii():
        return text.lower()
    # casefold first: it can itself produce combining marks ("İ" -> "i" + U+0307).
    folded = unicodedata.normalize("NFKD", text.casefold())
    # Most non-ASCII posts have emoji but no marks: skip the translate (a per-character loop).
    return folded.translate(_STRIP_MARKS) if _may_have_marks()(folded) else folded


class Query:
    """A parsed watch term: immutable and hashable; `str()` renders canonical query syntax."""

    __slots__ = ()

    def matches(self, text: str) -> bool:
        """Whether `text` satisfies the query under the package's matching rules."""
        return self.matches_folded(fold(text))

    def matches_folded(self, folded: str) -> bool:
        """`matches` for a text already passed through `fold` (fold once, test many queries)."""
        raise NotImplementedError


@dataclass(frozen=True)
class Term(Query):
    """A word or a phrase, `words` as typed; raises QuerySyntaxError without letters/digits."""

    words: tuple[str, ...]
    folded: tuple[str, ...] = field(init=False, repr=False, compare=False)
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        folded = tuple(WORD.findall(fold(" ".join(self.words))))
        if not folded:
            raise QuerySyntaxError("no_words", NO_WORDS, term=self.words)
        body = r"\W+".join(map(re.escape, folded))
        object.__setattr__(self, "folded", folded)
        object.__setattr__(self, "pattern", re.compile(rf"(?<!\w){body}(?!\w)"))

    def matches_folded(self, folded: str) -> bool:
        return self.pattern.search(folded) is not None

    def __str__(self) -> str:
        if len(self.words) == 1 and self.words[0] not in KEYWORDS:
            return self.words[0]
        return '"' + " ".join(self.words) + '"'


@dataclass(frozen=True)
class Not(Query):
    child: Query

    def matches_folded(self, folded: str) -> bool:
        return not self.child.matches_folded(folded)

    def __str__(self) -> str:
        return f"-{self.child}" if isinstance(self.child, Term) else f"-({self.child})"


@dataclass(frozen=True)
class And(Query):
    children: tuple[Query, ...]

    def matches_folded(self, folded: str) -> bool:
        return all(child.matches_folded(folded) for child in self.children)

    def __str__(self) -> str:
        return " ".join(f"({c})" if isinstance(c, And | Or) else str(c) for c in self.children)


@dataclass(frozen=True)
class Or(Query):
    children: tuple[Query, ...]

    def matches_folded(self, folded: str) -> bool:
        return any(child.matches_folded(folded) for child in self.children)

    def __str__(self) -> str:
        return " OR ".join(f"({c})" if isinstance(c, Or) else str(c) for c in self.children)


def and_of(children: list[Query]) -> Query:
    """AND of `children`, nested ANDs flattened; a single child is returned as is."""
    flat = [g for c in children for g in (c.children if isinstance(c, And) else (c,))]
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def or_of(children: list[Query]) -> Query:
    """OR of `children`, nested ORs flattened; a single child is returned as is."""
    flat = [g for c in children for g in (c.children if isinstance(c, Or) else (c,))]
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


def _count_terms(node: Query) -> int:
    match node:
        case Not(child):
            return _count_terms(child)
        case And(children) | Or(children):
            return sum(map(_count_terms, children))
    return 1


def _error(code: str, template: str, index: int, **params: object) -> QuerySyntaxError:
    """An error at the 0-based `index`; `template` names the spot as {position} (1-based)."""
    return QuerySyntaxError(code, template, index + 1, **params)


def _term(raw: str, index: int, phrase: bool) -> Term:
    words = tuple(WORD.findall(unicodedata.normalize("NFC", raw)))
    if words:
        return Term(words)
    if phrase:
        raise _error("empty_phrase", EMPTY_PHRASE, index)
    raise _error("no_words", NO_WORDS_AT, index, term=raw)


Token = tuple[str, object, int]  # (kind: ( ) AND OR NOT term, value, index); `-` is NOT


def _tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append((ch, ch, i))
            i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            if end < 0:
                raise _error("unbalanced_quote", UNBALANCED_QUOTE, i)
            tokens.append(("term", _term(text[i + 1 : end], i, phrase=True), i))
            i = end + 1
        elif ch == "-":
            if i + 1 == len(text) or text[i + 1].isspace() or text[i + 1] in "-)":
                raise _error("dangling_operator", DASH_ALONE, i)
            tokens.append(("NOT", "-", i))
            i += 1
        else:
            bare = _BARE.match(text, i)
            end = bare.end() if bare else i + 1  # always a match: ch is a bare character
            raw = text[i:end]
            kind = raw if raw in KEYWORDS else "term"
            tokens.append((kind, raw if kind != "term" else _term(raw, i, phrase=False), i))
            i = end
    return tokens


_STARTS = frozenset({"term", "(", "NOT"})


class _Parser:
    """or := and (OR and)*; and := unary ([AND] unary)*; unary := (NOT|-)* primary."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.i, self.depth = tokens, 0, 0

    def kind(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def take_operator(self) -> None:
        kind, value, index = self.tokens[self.i]
        self.i += 1
        if self.kind() in _STARTS:
            return
        if value == "-":
            raise _error("dangling_operator", DASH_ALONE, index)
        template = NOT_ALONE if kind == "NOT" else OPERATOR_ALONE
        raise _error("dangling_operator", template, index, operator=kind)

    def parse_or(self) -> Query:
        children = [self.parse_and()]
        while self.kind() == "OR":
            self.take_operator()
            children.append(self.parse_and())
        return or_of(children)

    def parse_and(self) -> Query:
        children = [self.parse_unary()]
        while self.kind() in _STARTS or self.kind() == "AND":
            if self.kind() == "AND":
                self.take_operator()
            children.append(self.parse_unary())
        return and_of(children)

    def parse_unary(self) -> Query:
        negations = 0
        while self.kind() == "NOT":
            self.take_operator()
            negations += 1
        node = self.parse_primary()
        return Not(node) if negations % 2 else node

    def parse_primary(self) -> Query:
        kind, value, index = self.tokens[self.i]
        self.i += 1
        if isinstance(value, Term):
            return value
        if kind in ("AND", "OR"):
            raise _error("dangling_operator", OPERATOR_ALONE, index, operator=kind)
        if kind == ")":
            raise _error("unbalanced_parenthesis", UNEXPECTED_CLOSE, index)
        if self.kind() == ")":
            raise _error("empty_group", EMPTY_GROUP, index)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _error("too_deep", TOO_DEEP, index, max_depth=MAX_DEPTH)
        node = self.parse_or() if self.kind() is not None else None
        if node is None or self.kind() != ")":
            raise _error("unbalanced_parenthesis", UNCLOSED, index)
        self.i += 1
        self.depth -= 1
        return node


def parse_query(
    text: str, *, max_length: int = MAX_QUERY_LENGTH, max_terms: int = MAX_TERMS
) -> Query:
    """Parse a watch term (grammar in the package docstring); QuerySyntaxError if unusable.

    Returns a canonical tree (nested ANDs/ORs flattened, double negations dropped), so
    `parse_query(str(q)) == q`. The limits default to what a watch term may hold.
    """
    if not text.strip():
        raise QuerySyntaxError("empty", EMPTY)
    if len(text) > max_length:
        raise QuerySyntaxError("too_long", TOO_LONG, max_length=max_length)
    parser = _Parser(_tokenize(text.translate(_QUOTES)))
    query = parser.parse_or()
    if parser.kind() is not None:  # only a stray ')' can stop the parser early
        raise _error("unbalanced_parenthesis", UNEXPECTED_CLOSE, parser.tokens[parser.i][2])
    if _count_terms(query) > max_terms:
        raise QuerySyntaxError("too_many_terms", TOO_MANY_TERMS, max_terms=max_terms)
    if query.matches(""):  # true with none of its terms present: exclusions only, somewhere
        parts = query.children if isinstance(query, Or) else (query,)
        culprit = next(part for part in parts if part.matches(""))
        raise QuerySyntaxError("only_exclusions", ONLY_EXCLUSIONS, query=str(culprit))
    return query


def matching_terms(queries: dict[int, Query], text: str) -> list[int]:
    """Ids of the queries that `text` matches, sorted; the text is folded once for all."""
    folded = fold(text)
    return sorted(term_id for term_id, query in queries.items() if query.matches_folded(folded))
