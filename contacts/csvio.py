"""Contacts as CSV (pure; no Django): write with formula injection neutralised, read to dicts.

Spreadsheet programs execute cells that start with = + - @ (and tab/CR tricks); every such cell
is written with a leading apostrophe (OWASP "CSV injection"), and the reader removes that
apostrophe again, so an E.164 phone number ("+31…") survives a round trip.
"""

import csv
import io
from collections.abc import Iterable

FIELDS = [
    "kind", "name", "organisation", "role_title", "phone", "email", "preferred_channels",
    "slack_webhook_url", "slack_member_id", "teams_webhook_url", "availability",
    "availability_tz", "notes", "last_verified",
]  # fmt: skip
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


class CsvInvalid(ValueError):
    pass


def csv_read(text: str) -> list[dict]:
    """Rows of a CSV with a header line; unknown columns are ignored, missing ones are "".

    Raises CsvInvalid if there is no `name` column."""
    text = text.lstrip("\ufeff")
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    if "name" not in header:
        raise CsvInvalid("the first line must be a header with at least a 'name' column")
    reader.fieldnames = header
    rows = []
    for raw in reader:
        rows.append({f: cell_restore((raw.get(f) or "").strip()) for f in FIELDS})
    return rows
