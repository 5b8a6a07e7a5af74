"""Contacts as CSV (pure; no Django): write with formula injection neutralised, read to dicts.

Spreadsheet programs execute cells that start with = + - @ (and tab/CR tricks); every such cell
is written with a leading apostrophe (OWASP "CSV injection"), and the reader removes that
apostrophe again, so an E.164 phone number ("+31…") survives a round trip.
"""

import csv
import io
from collections.abc import Iterable

from contacts.problems import TextProblem, gettext_noop

FIELDS = [
    "kind", "name", "organisation", "role_title", "phone", "email", "preferred_channels",
    "slack_webhook_url", "slack_member_id", "teams_webhook_url", "availability",
    "availability_tz", "notes", "last_verified", "crisiscenter_id",
]  # fmt: skip
# Our database id travels under a header no other spreadsheet uses: a column headed "id"
# (employee numbers, row numbers) is ignored rather than matched against our contacts.
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r", "\n")


def cell_neutralise(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_DANGEROUS) else text


def cell_restore(text: str) -> str:
    return text[1:] if text.startswith("'") and text[1:].startswith(_DANGEROUS) else text


def csv_write(rows: Iterable[dict]) -> str:
    """CSV text (header + one line per row dict keyed by FIELDS), every cell neutralised."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow([cell_neutralise(row.get(field, "")) for field in FIELDS])
    return out.getvalue()


class CsvInvalid(TextProblem):
    pass


# The separators a header line may use: Dutch Excel writes ";", some exports tabs.
_DELIMITERS = (",", ";", "\t")
_QUOTE_UNCLOSED = gettext_noop(
    "A quote is not closed: this row and every line after it were not imported."
)
_QUOTE_BROKEN = gettext_noop("Broken quotes: a closing quote must be followed by a separator.")


def _dialect(text: str) -> tuple[str, str]:
    """(delimiter, text without Excel's "sep=;" line): the separator Excel names in a first
    "sep=" line, else the one the header line uses most, else a comma."""
    first, _, rest = text.partition("\n")
    if first.lower().startswith("sep=") and len(first.rstrip("\r")) == 5:
        return first[4], rest
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return (best if counts[best] else ","), text


def csv_read(text: str) -> list[dict]:
    """Rows of a CSV with a header line, separated by commas, semicolons or tabs (sniffed from
    the header); unknown columns are ignored, missing ones are "". A row whose quotes are
    broken comes back as {"_problem": CsvInvalid} (an unclosed quote swallows the rest of the
    file, so it is the last row). Raises CsvInvalid if there is no `name` column."""
    delimiter, text = _dialect(text.lstrip("\ufeff"))
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except csv.Error:
        header = []
    if "name" not in header:
        raise CsvInvalid(
            gettext_noop("the first line must be a header with at least a “name” column")
        )
    reader.fieldnames = header
    rows: list[dict] = []
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            unclosed = "unexpected end of data" in str(exc)
            rows.append({"_problem": CsvInvalid(_QUOTE_UNCLOSED if unclosed else _QUOTE_BROKEN)})
            continue
        rows.append({f: cell_restore((raw.get(f) or "").strip()) for f in FIELDS})
