"""Workspace watch terms: boolean queries, local matching, per-platform search strings. No Django.

Syntax (`parse_query`): words and "quoted phrases"; adjacent terms are ANDed; `AND`, `OR` and
`NOT` are operators only in capitals (`or` is a word); `-term` and `NOT term` exclude;
parentheses group. NOT binds tighter than AND, AND tighter than OR (as on X), so in
`"Bank Noord" OR banknoord -vacature` the exclusion applies to `banknoord` only; write
`("Bank Noord" OR banknoord) -vacature` to exclude it everywhere. Curly quotes count as `"`.
Rejected with QuerySyntaxError: empty queries, dangling operators, unbalanced quotes or
parentheses, more than MAX_QUERY_LENGTH characters, MAX_TERMS terms or MAX_DEPTH nested groups,
and queries (or OR-alternatives) made only of exclusions, which would match nearly every post.

Matching (`Query.matches`): query and text are both folded (`fold`: casefold, NFKD, combining
marks dropped, so "Café" == "cafe", "Noörd" == "noord", "Straße" == "strasse"; letters without a
decomposition such as ø or ł stay). A word is a run of letters, digits and underscores. Terms
match whole words only: `lek` matches "lek!" and "#lek" but not "lekker" or "#datalek". A
hashtag, @handle or URL counts as its words: "#datalek" contains the word `datalek`, "@bank_noord"
is the one word `bank_noord`. A phrase, or a term with punctuation inside (`bank-noord`), matches
its words in order with only non-word characters (spaces, punctuation, emoji) between them.

Platform queries (`compile_query`, `compile_terms`) may match MORE than the local query, never
less: every post is re-checked with `Query.matches` before it is stored, so whatever a platform
cannot express is widened (an exclusion dropped, an AND reduced to one side), never narrowed.
- x: phrases, `OR`, `-term`, parentheses; negated groups are pushed onto their terms (X asks
  not to negate groups).
- reddit: `AND`, `OR`, `NOT term`, parentheses.
- news (Google News RSS): an AND of `(a OR b)` clauses, which reads the same whether or not
  parentheses are honoured (Google binds OR tighter than AND).
- mastodon (4.2+ requires every bare term) and bluesky (implicit AND): no OR, so one search per
  alternative (`compile_terms`); `compile_query` returns the terms every alternative needs, or
  "" when no single search is narrower than "everything". Exclusions are not sent.
Everywhere, an exclusion is sent only next to a positive term (a Lucene group made only of NOTs
matches nothing). Accented terms are searched as typed and accent-free (`(café OR cafe)`) where
OR exists, as typed elsewhere; beyond that the guarantee assumes the platform ignores case.
"""

from monitoring.query.fast import compile_matcher
from monitoring.query.search import PLATFORMS, compile_query, compile_terms
from monitoring.query.syntax import (
    MAX_DEPTH,
    MAX_QUERY_LENGTH,
    MAX_TERMS,
    And,
    Not,
    Or,
    Query,
    QuerySyntaxError,
    Term,
    fold,
    matching_terms,
    parse_query,
)

__all__ = [
    "MAX_DEPTH",
    "MAX_QUERY_LENGTH",
    "MAX_TERMS",
    "PLATFORMS",
    "And",
    "Not",
    "Or",
    "Query",
    "QuerySyntaxError",
    "Term",
    "compile_matcher",
    "compile_query",
    "compile_terms",
    "fold",
    "matching_terms",
    "parse_query",
]
