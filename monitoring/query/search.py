"""Watch terms compiled into each platform's search syntax, always as a superset of the query.

The per-platform rules are in the package docstring (monitoring/query/__init__.py).
"""

import math
from itertools import chain, product

from monitoring.query.syntax import (
    WORD,
    And,
    Not,
    Or,
    Query,
    QuerySyntaxError,
    Term,
    and_of,
    gettext_noop,
    or_of,
)

PLATFORMS = ("x", "reddit", "news", "mastodon", "bluesky")
_WITH_OR = frozenset({"x", "reddit", "news"})
_MAX_ALTERNATIVES = 64  # past this, AND/OR expansions are widened instead of multiplied

Literals = tuple[Query, ...]  # Terms and Not(Term)s

# What a query that cannot be searched is told (see syntax.py's templates).
EXCLUSIONS_ONLY = gettext_noop("'{query}' only excludes terms")
SEARCH_TOO_LONG = gettext_noop(
    "{search} is longer than the {max_length} characters a {platform} search allows"
)


def _nnf(node: Query, negate: bool = False) -> Query:
    """The same query with negations pushed onto terms (De Morgan): NOT never wraps a group."""
    match node:
        case Not(child):
            return _nnf(child, not negate)
        case And(children):
            parts = [_nnf(c, negate) for c in children]
            return or_of(parts) if negate else and_of(parts)
        case Or(children):
            parts = [_nnf(c, negate) for c in children]
            return and_of(parts) if negate else or_of(parts)
    return Not(node) if negate else node


def _widen(node: Query, variants: bool) -> Query | None:
    """A superset of an NNF tree keeping exclusions only beside a positive term (None: all).

    With `variants`, an accented term becomes `(as typed OR accent-free)`.
    """
    match node:
        case Not():
            return None
        case Or(children):
            kept = [_widen(c, variants) for c in children]
            return or_of([k for k in kept if k is not None]) if None not in kept else None
        case And(children):
            kept = [c if isinstance(c, Not) else _widen(c, variants) for c in children]
            if all(k is None or isinstance(k, Not) for k in kept):
                return None
            return and_of([k for k in kept if k is not None])
        case Term(words):
            lowered = tuple(WORD.findall(" ".join(words).lower()))
            if variants and lowered != node.folded:
                return Or((node, Term(node.folded)))
    return node


def _safe(query: Query, platform: str) -> Query:
    if platform not in PLATFORMS:
        raise ValueError(f"unknown platform {platform!r}")
    safe = _widen(_nnf(query), variants=platform in _WITH_OR)
    if safe is None:
        raise QuerySyntaxError("only_exclusions", EXCLUSIONS_ONLY, query=str(query))
    return safe


def _expand(node: Query, dnf: bool) -> list[Literals]:
    """DNF (alternatives of ANDed literals) or CNF (clauses of ORed literals) of a safe tree.

    Past _MAX_ALTERNATIVES the product is widened, never narrowed: in DNF an AND keeps only
    its positive side with the fewest alternatives; in CNF an OR keeps one clause per side.
    """
    if not isinstance(node, And | Or):
        return [(node,)]
    parts = [_expand(c, dnf) for c in node.children]
    if isinstance(node, Or) == dnf:
        return [item for part in parts for item in part]
    if math.prod(map(len, parts)) > _MAX_ALTERNATIVES:
        if dnf:
            sides = zip(node.children, parts, strict=True)
            parts = [min((p for c, p in sides if not isinstance(c, Not)), key=len)]
        else:  # a positive clause per side keeps one all-positive clause overall
            parts = [[min(p, key=lambda clause: (_has_not(clause), len(clause)))] for p in parts]
    return [tuple(dict.fromkeys(chain.from_iterable(combo))) for combo in product(*parts)]


def _has_not(literals: Literals) -> bool:
    return any(isinstance(lit, Not) for lit in literals)


def _positives(literals: Literals) -> Literals:
    return tuple(lit for lit in literals if not isinstance(lit, Not))


def _literal(node: Query, platform: str) -> str:
    if isinstance(node, Not):
        return ("NOT " if platform == "reddit" else "-") + str(node.child)
    return str(node)


def _render(node: Query, platform: str) -> str:
    """x and reddit: the safe tree as is, every nested group in parentheses."""
    if not isinstance(node, And | Or):
        return _literal(node, platform)
    sep = " OR " if isinstance(node, Or) else " AND " if platform == "reddit" else " "
    return sep.join(
        f"({_render(c, platform)})" if isinstance(c, And | Or) else _render(c, platform)
        for c in node.children
    )


def _news_clauses(safe: Query) -> list[Literals]:
    # A clause mixing OR with an exclusion has no safe Google reading: drop it (widens).
    return [
        clause for clause in _expand(safe, dnf=False) if len(clause) == 1 or not _has_not(clause)
    ]


def _join_clauses(clauses: list[Literals]) -> str:
    rendered = [" OR ".join(_literal(lit, "news") for lit in clause) for clause in clauses]
    if len(rendered) == 1:
        return rendered[0]
    return " ".join(r if len(c) == 1 else f"({r})" for r, c in zip(rendered, clauses, strict=True))


def compile_query(query: Query, platform: str) -> str:
    """One search string for `platform` matching at least every text `query` matches.

    For mastodon and bluesky it is "" when no single search narrows anything (use
    compile_terms). Raises ValueError for an unknown platform.
    """
    safe = _safe(query, platform)
    if platform in ("x", "reddit"):
        return _render(safe, platform)
    if platform == "news":
        return _join_clauses(_news_clauses(safe))
    alternatives = [_positives(alt) for alt in _expand(safe, dnf=True)]
    common = [t for t in alternatives[0] if all(t in alt for alt in alternatives[1:])]
    return " ".join(map(str, common))


def _fit(literals: Literals, platform: str, max_length: int) -> tuple[str, int]:
    """(search, literal count) for the AND of `literals`, widened to fit: exclusions go first,
    then the last terms. Raises QuerySyntaxError when one term alone is too long."""
    kept = list(literals)
    while True:
        text = (" AND " if platform == "reddit" else " ").join(_literal(x, platform) for x in kept)
        if len(text) <= max_length:
            return text, len(kept)
        if len(kept) == 1:
            raise QuerySyntaxError(
                "too_long", SEARCH_TOO_LONG, search=text, max_length=max_length, platform=platform
            )
        negatives = [i for i, lit in enumerate(kept) if isinstance(lit, Not)]
        kept.pop(negatives[-1] if negatives else -1)


def compile_terms(queries: list[Query], platform: str, *, max_length: int = 512) -> list[str]:
    """Searches of at most `max_length` chars whose union matches all that `queries` match.

    Where the platform has OR, queries are ORed together, split across as few searches as fit;
    without OR, every alternative is its own search. Raises QuerySyntaxError when one term
    cannot fit in `max_length`, ValueError for an unknown platform.
    """
    items: list[tuple[str, bool]] = []  # (text, needs parentheses when ORed with others)
    searches: list[str] = []  # stand-alone searches
    for query in queries:
        safe = _safe(query, platform)
        if platform not in _WITH_OR:
            alternatives = [_positives(alt) for alt in _expand(safe, dnf=True)]
            # an alternative containing another one adds nothing to the union
            alternatives = [
                a for a in alternatives if not any(set(b) < set(a) for b in alternatives)
            ]
            searches += [_fit(alt, platform, max_length)[0] for alt in alternatives]
        elif platform == "news":
            clauses = _news_clauses(safe)
            if len(clauses) == 1 and not _has_not(clauses[0]):
                items += [(_literal(lit, platform), False) for lit in clauses[0]]
            elif len(text := _join_clauses(clauses)) <= max_length:
                searches.append(text)
            else:  # a conjunction of literals reads the same with or without precedence
                searches += [_fit(alt, platform, max_length)[0] for alt in _expand(safe, True)]
        else:
            for part in safe.children if isinstance(safe, Or) else (safe,):
                if len(text := _render(part, platform)) <= max_length:
                    items.append((text, isinstance(part, And | Or)))
                    continue
                for alt in _expand(part, dnf=True):
                    text, count = _fit(alt, platform, max_length)
                    items.append((text, count > 1))
    return list(dict.fromkeys(_pack(items, max_length) + searches))


def _pack(items: list[tuple[str, bool]], max_length: int) -> list[str]:
    """ORs the items together greedily, starting a new search when the next would not fit."""
    chunks: list[list[tuple[str, bool]]] = []
    for item in dict.fromkeys(items):
        if chunks and len(_or_join([*chunks[-1], item])) <= max_length:
            chunks[-1].append(item)
        else:
            chunks.append([item])
    return [_or_join(chunk) for chunk in chunks]


def _or_join(items: list[tuple[str, bool]]) -> str:
    if len(items) == 1:
        return items[0][0]
    return " OR ".join(f"({text})" if grouped else text for text, grouped in items)
