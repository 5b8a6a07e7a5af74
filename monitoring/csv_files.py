"""CSV files of mentions as `importing` reads them: the delimiter and header names a file
uses, fields up to CSV_FIELD_LIMIT, and records counted by the lines they take. No database.
"""

import csv
import itertools
from collections.abc import Iterator
from typing import IO, Any

# Longest CSV field read (the csv module's default is 131,072 characters): a text over
# importing.MAX_TEXT (100,000) must be read to be refused with its reason; a field past this
# is its row's error.
CSV_FIELD_LIMIT = 1_000_000
# What may separate a file's columns (Dutch Excel writes semicolons), tried in this order.
DELIMITERS = (",", ";", "\t")


class RecordsStopped(ValueError):
    """A record the reader cannot read nor go on after; the message says where and why."""


def allow_long_fields() -> None:
    """Let csv readers read fields up to CSV_FIELD_LIMIT (the csv module's limit is one for
    the whole process: it is only ever raised)."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))


class Lines:
    """A text stream's lines, counted as a csv reader takes them."""

    def __init__(self, stream: Iterator[str]) -> None:
        self.stream, self.taken = stream, 0

    def __iter__(self) -> "Lines":
        return self

    def __next__(self) -> str:
        line = next(self.stream)
        self.taken += 1
        return line


def read_on(reader: Iterator[Any], lines: Lines) -> Iterator[Any]:
    """The records of a csv `reader` over `lines`, with the error of one it cannot read (a
    field over CSV_FIELD_LIMIT) in its place when that record stood on one line: the reader
    goes on at the next. Raises RecordsStopped when it ran over several: the reader would go
    on in the middle of its quoted field, reading the rest of it as rows."""
    while True:
        before = lines.taken
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if lines.taken - before > 1:
                raise RecordsStopped(
                    f"line {before + 1}: {exc}, in a field running over several lines; the "
                    "import stopped there (the rows before it were stored)"
                ) from exc
            yield exc


def header_names(names: list[str]) -> list[str]:
    """Column names as matched: "ID", " text" and "Text " are id and text."""
    return [name.strip().lower() for name in names]


def dialect(header: str, required: tuple[str, ...]) -> dict[str, Any]:
    """csv reader options for a file with this header line: the first of DELIMITERS that
    splits it into every `required` column, else the one splitting it into most (so the
    missing columns are named right); spaces after it skipped when the header has them
    ("id, text", where a quoted field may follow a space)."""
    columns = {}
    for delimiter in DELIMITERS:
        try:
            columns[delimiter] = next(csv.reader([header], delimiter=delimiter), [])
        except csv.Error:  # a quoted header name running over lines: not this delimiter
            columns[delimiter] = []
        if set(required) <= set(header_names(columns[delimiter])):
            break
    else:  # max takes the first of a tie: comma
        delimiter = max(DELIMITERS, key=lambda each: len(columns[each]))
    spaced = any(name[:1].isspace() for name in columns[delimiter][1:])
    return {"delimiter": delimiter, "skipinitialspace": spaced}


def lines_and_dialect(stream: IO[str], required: tuple[str, ...]) -> tuple[Lines, dict[str, Any]]:
    """The stream's lines as a csv reader takes them, and the reader options its header line
    calls for (`dialect`)."""
    header = stream.readline()
    return Lines(itertools.chain([header] if header else [], stream)), dialect(header, required)
