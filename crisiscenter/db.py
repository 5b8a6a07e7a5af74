"""Database helpers shared by services: bulk INSERT ... ON CONFLICT DO NOTHING RETURNING.

On PostgreSQL rows go through binary COPY into a per-session temporary staging table, then one
INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING moves them into the real table. Multi-row
VALUES cost 5-10x more there: psycopg parses such long statements in Python on every call (it
caches only short ones) and the server parses them as text. Values skip get_db_prep_save
where it would return them unchanged (see bench/README.md). The staging table needs
session-level connections (not PgBouncer transaction pooling). Elsewhere (SQLite, `make run`):
batched VALUES.
"""

import json
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cache, partial
from operator import attrgetter, itemgetter
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import fields as f
from django.db.transaction import TransactionManagementError

BATCH_ROWS = 500
UNIQUE_VIOLATION = "23505"

# Field classes whose get_db_prep_save hands values of their own Python type over unchanged on
# PostgreSQL (other values, such as None, lazy strings or naive datetimes, take the slow path).
_PLAIN = frozenset(
    {
        f.CharField,
        f.TextField,
        f.URLField,
        f.SlugField,
        f.EmailField,
        f.IntegerField,
        f.BigIntegerField,
        f.SmallIntegerField,
        f.PositiveIntegerField,
        f.PositiveBigIntegerField,
        f.PositiveSmallIntegerField,
        f.FloatField,
        f.BooleanField,
        f.DateTimeField,
        models.JSONField,
    }
)
_PLAIN_PRE_SAVE = {f.Field.pre_save, f.DateField.pre_save, f.DateTimeField.pre_save}

# Raw psycopg connection -> staging tables known to exist in that session (created by a
# committed transaction: a rolled-back CREATE leaves no table behind).
_staged: "weakref.WeakKeyDictionary[Any, set[str]]" = weakref.WeakKeyDictionary()


class KeyExists(IntegrityError):
    """A row expected to be new hit the unique key (see insert_rows_ignore_conflicts)."""


class EncodedJson(str):
    """A JSONField value already encoded as JSON text: sent as it is, not encoded again."""


def insert_ignore_conflicts(
    objs: Sequence[models.Model], *, conflict_fields: Sequence[str], returning: Sequence[str]
) -> list[tuple]:
    """Insert `objs`, skipping rows that hit the unique `conflict_fields`.

    Returns `returning` columns of the rows actually inserted (PostgreSQL and SQLite ≥ 3.35);
    when objs repeat a key, only the first is inserted. On PostgreSQL it runs in (or as) one
    transaction.
    Django's bulk_create(ignore_conflicts=True) cannot tell which rows were new.
    """
    if not objs:
        return []
    model = type(objs[0])
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    return insert_rows_ignore_conflicts(
        model,
        [field.attname for field in fields],
        _raw_rows(objs, fields),
        conflict_fields=conflict_fields,
        returning=returning,
    )


def insert_rows_ignore_conflicts(
    model: type[models.Model],
    attnames: Sequence[str],
    rows: list[list],
    *,
    conflict_fields: Sequence[str],
    returning: Sequence[str],
    expect_new: bool = False,
) -> list[tuple]:
    """`insert_ignore_conflicts` for rows built without Model instances: each row lists the
    values of `attnames` as `pre_save` would give them (JSON as objects or EncodedJson).

    `expect_new`: the caller has skipped the keys it knew to exist. On PostgreSQL the rows
    are then copied straight into the table, with ids taken from its sequence, which costs
    the server about a quarter less per row than the staging path. If a key does exist this
    raises KeyExists and the caller's transaction is broken: run it again without
    `expect_new` (a savepoint instead would cost two more round trips on every call).
    Elsewhere the flag changes nothing.
    """
    if not rows:
        return []
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    rows = _first_of_each_key(rows, fields, conflict_fields)
    qn = connection.ops.quote_name
    conflict = ", ".join(qn(model._meta.get_field(name).column) for name in conflict_fields)
    ret = ", ".join(qn(model._meta.get_field(name).column) for name in returning)
    if connection.vendor != "postgresql":
        return _values_insert(model, fields, rows, conflict, ret)
    # COPY and INSERT must share a transaction: the staging table empties at every commit.
    with transaction.atomic(savepoint=False):
        if not expect_new:
            return _copy_insert(model, fields, rows, conflict, ret)
        try:
            return _copy_direct(model, fields, rows, returning)
        except IntegrityError as exc:
            if getattr(exc.__cause__, "sqlstate", None) == UNIQUE_VIOLATION:
                raise KeyExists(*exc.args) from exc
            raise


def _raw_rows(objs: Sequence[models.Model], fields: list[models.Field]) -> list[list]:
    """Each object's field values as `pre_save` gives them (one C call for the plain fields)."""
    get = attrgetter(*(field.attname for field in fields))
    special = [
        (i, field)
        for i, field in enumerate(fields)
        if type(field).pre_save not in _PLAIN_PRE_SAVE
        or getattr(field, "auto_now", False)
        or getattr(field, "auto_now_add", False)
    ]
    rows = []
    for obj in objs:
        row = list(get(obj)) if len(fields) > 1 else [get(obj)]
        for i, field in special:
            row[i] = field.pre_save(obj, add=True)
        rows.append(row)
    return rows


def _first_of_each_key(
    rows: list[list], fields: list[models.Field], conflict_fields: Sequence[str]
) -> list[list]:
    """Drop rows repeating an earlier row's key, as ON CONFLICT DO NOTHING would, so the
    first one wins whatever order the database reads them in (NULLs never conflict)."""
    names = [field.name for field in fields]
    key_of = itemgetter(*(names.index(name) for name in conflict_fields))
    seen: set = set()
    out = []
    for row in rows:
        key = key_of(row)
        if key in seen:
            continue
        if None not in (key if isinstance(key, tuple) else (key,)):
            seen.add(key)
        out.append(row)
    return out


def _values_insert(
    model: type[models.Model], fields: list[models.Field], rows: list[list], conflict: str, ret: str
) -> list[tuple]:
    qn = connection.ops.quote_name
    columns = ", ".join(qn(field.column) for field in fields)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH_ROWS):
            batch = rows[start : start + BATCH_ROWS]
            params = [
                str(value)
                if type(value) is EncodedJson
                else field.get_db_prep_save(value, connection)
                for row in batch
                for field, value in zip(fields, row, strict=True)
            ]
            sql = (
                f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
                f"{', '.join([row_sql] * len(batch))} "
                f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {ret}"
            )
            cursor.execute(sql, params)
            inserted.extend(cursor.fetchall())
    return inserted


def _copy_insert(
    model: type[models.Model], fields: list[models.Field], rows: list[list], conflict: str, ret: str
) -> list[tuple]:
    """COPY into the session's staging table, then move the rows in one statement."""
    qn = connection.ops.quote_name
    table = model._meta.db_table
    plan = _copy_plan(model, tuple(field.attname for field in fields))
    columns = ", ".join(qn(field.column) for field in fields)
    stage = qn(f"stage_{table[:57]}")
    with connection.cursor() as cursor:
        known = _staged.setdefault(connection.connection, set())
        if stage not in known:
            # JSON travels as text (encoded here) and is cast back below. ON COMMIT DELETE
            # ROWS: PostgreSQL empties the table at commit (only when it was used).
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {stage} "  # noqa: S608
                f"ON COMMIT DELETE ROWS AS SELECT {plan.stage_columns} FROM {qn(table)} "
                "WITH NO DATA"
            )
            transaction.on_commit(partial(known.add, stage))
        adapted, fmt = _adapted(plan, rows)
        _copy(cursor, f"{stage} ({columns})", fmt, plan.types, adapted)
        # Emptying the stage in the same statement keeps a second call in this transaction clean.
        cursor.execute(
            f"WITH batch AS (DELETE FROM {stage} RETURNING {columns}) "  # noqa: S608
            f"INSERT INTO {qn(table)} ({columns}) SELECT {plan.select} FROM batch "
            f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {ret}"
        )
        return cursor.fetchall()


def _copy_direct(
    model: type[models.Model],
    fields: list[models.Field],
    rows: list[list],
    returning: Sequence[str],
) -> list[tuple]:
    """COPY straight into the table with ids drawn from its sequence; every row is new (or
    the unique index raises IntegrityError and nothing of this batch stays)."""
    qn = connection.ops.quote_name
    meta = model._meta
    plan = _copy_plan(model, tuple(field.attname for field in fields))
    columns = ", ".join(qn(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)",
            [_pk_sequence(cursor, meta.db_table, meta.pk.column), len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        adapted, fmt = _adapted(plan, rows)
        out = [[pk, *row] for pk, row in zip(ids, adapted, strict=True)]
        if fmt:  # jsonb's binary form is a version byte (1) and the JSON text (json's: the text)
            for i in [i + 1 for i in plan.jsonb_at]:
                for row in out:
                    if row[i] is not None:
                        row[i] = "\x01" + row[i]
        _copy(
            cursor,
            f"{qn(meta.db_table)} ({qn(meta.pk.column)}, {columns})",
            fmt,
            [_pk_copy_type(model), *plan.types],
            out,
        )
    positions = [
        None if name in ("id", "pk", meta.pk.name) else [f.name for f in fields].index(name)
        for name in returning
    ]
    return [
        tuple(pk if at is None else row[at] for at in positions)
        for pk, row in zip(ids, rows, strict=True)
    ]


_sequences: dict[tuple[str, str, str], str] = {}


def _pk_sequence(cursor: Any, table: str, column: str) -> str:
    """The primary key's sequence, looked up once per database: inside the ids query,
    pg_get_serial_sequence runs once per row (about 2.5 µs of PostgreSQL CPU each)."""
    key = (connection.settings_dict["NAME"], table, column)
    if key not in _sequences:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
        _sequences[key] = cursor.fetchone()[0]
    return _sequences[key]


def _adapted(plan: "_CopyPlan", rows: list[list]) -> tuple[list[list], str]:
    """Rows as COPY sends them, and the COPY options: binary unless a value cannot go so
    (e.g. an int past bigint: then text, and the server rejects it, as ever). Rows whose every
    value its adapter would return unchanged are sent as they are (the rows are not copied:
    callers must not change what this returns)."""
    if _all_as_is(plan, rows):
        return rows, plan.options
    try:
        return [_adapt(plan.adapters, row) for row in rows], plan.options
    except _NotBinary:
        return [_adapt(plan.text_adapters, row) for row in rows], ""


def _all_as_is(plan: "_CopyPlan", rows: list[list]) -> bool:
    """Whether every adapter of the binary plan would return its values unchanged: checked a
    column at a time (mostly in C), which costs a fraction of one adapter call per value."""
    if not plan.as_is or not rows:
        return False
    columns = zip(*rows, strict=True)
    for (types, limit, is_time), column in zip(plan.as_is, columns, strict=True):
        if not types.issuperset(map(type, column)):
            return False
        if limit or is_time:
            present = [value for value in column if value is not None]
            if not present:
                continue
            if limit and not (-limit <= min(present) and max(present) < limit):
                return False
            # Aware for sure: a fixed-offset zone (zoneinfo and others take the adapter).
            if is_time and not all(type(value.tzinfo) is timezone for value in present):
                return False
    return True


def _copy(cursor: Any, target: str, fmt: str, types: list[str], rows: list[list]) -> None:
    """COPY `rows` into `target` ("table (columns)"). COPY bypasses CursorWrapper.execute:
    psycopg's errors are mapped to django.db's the same way."""
    with (
        connection.wrap_database_errors,
        cursor.cursor.copy(f"COPY {target} FROM STDIN{fmt}") as copy,
    ):
        if fmt:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def _pk_copy_type(model: type[models.Model]) -> str:
    return "int8" if isinstance(model._meta.pk, f.BigAutoField) else "int4"


class _NotBinary(Exception):
    """A value binary COPY cannot carry (the batch goes as text instead)."""


def _adapt(adapters: list[Callable[[Any], Any]], row: list) -> list:
    return [adapt(value) for adapt, value in zip(adapters, row, strict=True)]


@dataclass(frozen=True)
class _CopyPlan:
    adapters: list[Callable[[Any], Any]]  # value -> what COPY sends for it
    # Per column of a binary plan: (Python types sent unchanged, int range limit or 0, whether
    # it is a datetime that must be aware); empty for a text plan. See `_all_as_is`.
    as_is: list[tuple[frozenset[type], int, bool]]
    text_adapters: list[Callable[[Any], Any]]  # the same for text COPY (no range checks)
    types: list[str]  # binary COPY types
    options: str  # " (FORMAT BINARY)" or "" for text COPY
    stage_columns: str  # the staging table's SELECT list (JSON as text)
    select: str  # the INSERT's SELECT list (text back to JSON)
    jsonb_at: list[int]  # positions of jsonb columns (binary jsonb starts with a version byte)


@cache
def _copy_plan(model: type[models.Model], attnames: tuple[str, ...]) -> _CopyPlan:
    """How each column is adapted and sent. Binary COPY (no text parsing on either side) when
    every field is one of the plain kinds below, text COPY of get_db_prep_save otherwise."""
    qn = connection.ops.quote_name
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    kinds = [_plain_kind(field) for field in fields]
    binary = all(kind is not None for kind in kinds)
    adapters, text_adapters, stage, select = [], [], [], []
    for field, kind in zip(fields, kinds, strict=True):
        column = qn(field.column)
        is_json = isinstance(field, models.JSONField)  # jsonb, or json (see _BINARY)
        stage.append(f"{column}::text AS {column}" if is_json else column)
        select.append(f"{column}::{field.db_type(connection)}" if is_json else column)
        adapters.append(_adapter(field, kind if binary else None))
        text_adapters.append(_adapter(field, None))
    return _CopyPlan(
        adapters=adapters,
        as_is=[_as_is(field, kind) for field, kind in zip(fields, kinds, strict=True)]
        if binary
        else [],
        text_adapters=text_adapters,
        types=[kind[1] for kind in kinds if kind] if binary else [],
        options=" (FORMAT BINARY)" if binary else "",
        stage_columns=", ".join(stage),
        select=", ".join(select),
        jsonb_at=[i for i, field in enumerate(fields) if field.db_type(connection) == "jsonb"],
    )


# Database types sent in binary, by the Python type get_db_prep_save hands over unchanged.
_BINARY = {
    "bigint": (int, "int8"),
    "integer": (int, "int4"),
    "smallint": (int, "int2"),
    "double precision": (float, "float8"),
    "boolean": (bool, "bool"),
    "text": (str, "text"),
    "varchar": (str, "text"),
    "timestamp with time zone": (datetime, "timestamptz"),
    "jsonb": (str, "text"),  # encoded here, cast back in SQL
    "json": (str, "text"),  # the same, for JSON kept as text (no jsonb parsing on the server)
}


def _plain_kind(field: models.Field) -> tuple[type, str] | None:
    """(Python type, COPY type) for fields whose values need no conversion, else None."""
    kind = models.JSONField if isinstance(field, models.JSONField) else type(field)
    if kind is models.ForeignKey:
        kind = type(field.target_field)
        if kind in (f.AutoField, f.BigAutoField):
            kind = f.BigIntegerField if kind is f.BigAutoField else f.IntegerField
    if kind not in _PLAIN:
        return None
    return _BINARY.get(field.db_type(connection).split("(")[0].strip())


_INT_BITS = {"int8": 64, "int4": 32, "int2": 16}


def _as_is(field: models.Field, kind: tuple[type, str]) -> tuple[frozenset[type], int, bool]:
    """What `_adapter(field, kind)` passes through unchanged (see `_CopyPlan.as_is`)."""
    plain, copy_type = kind
    if isinstance(field, models.JSONField):  # already encoded, or SQL NULL
        return frozenset({EncodedJson, type(None)}), 0, False
    limit = 2 ** (_INT_BITS[copy_type] - 1) if plain is int else 0
    return frozenset({plain, type(None)}), limit, plain is datetime


def _adapter(field: models.Field, kind: tuple[type, str] | None) -> Callable[[Any], Any]:
    """value -> what to send: what get_db_prep_save gives, without its cost for plain values.

    With a binary `kind` (Python type, COPY type), raises _NotBinary for values out of range.
    """

    def slow(value: Any) -> Any:
        return field.get_db_prep_save(value, connection)

    if isinstance(field, models.JSONField):
        # The text Django's Jsonb adapter would send (json.dumps with the field's encoder).
        dumps = partial(json.dumps, cls=field.encoder) if field.encoder else json.dumps

        def json_text(value: Any) -> str | None:
            if type(value) is dict or type(value) is list:
                return dumps(value) if value else "[]" if type(value) is list else "{}"
            if type(value) is EncodedJson:
                return str(value)
            adapted = slow(value)  # None stays SQL NULL; Value(None, JSONField()) is JSON null
            return None if adapted is None else dumps(adapted.obj)

        return json_text
    if kind is None:
        return slow
    plain, copy_type = kind
    if plain is datetime:  # aware datetimes pass; naive ones get Django's warning and zone
        return lambda value: (
            value
            if value is None or (type(value) is datetime and value.utcoffset() is not None)
            else slow(value)
        )
    if plain is int:
        limit = 2 ** (_INT_BITS[copy_type] - 1)

        def integer(value: Any) -> Any:
            if value is None:
                return None
            value = value if type(value) is int else slow(value)
            if value is not None and not -limit <= value < limit:
                raise _NotBinary
            return value

        return integer
    return lambda value: value if type(value) is plain or value is None else slow(value)


def database_session() -> object:
    """A token for the current database connection, new with every new connection.

    What a process remembers of commits that did not wait for the disk (see `update_by_pk`)
    holds only as long as this token: a database crash, even one PostgreSQL recovers from
    without restarting its main process, ends every connection, and a commit it undid was
    made on one of them. The token sits on Django's connection (one per thread) beside the
    raw connection it stands for: sqlite3's connections take no weak references.
    """
    connection.ensure_connection()
    raw = connection.connection
    held = getattr(connection, "crisiscenter_session", None)
    if held is None or held[0] is not raw:
        held = connection.crisiscenter_session = (raw, object())
    return held[1]


def update_by_pk(
    model: type[models.Model],
    pk: Any,
    values: dict[str, Any],
    *,
    commit_without_waiting_for_disk: bool = False,
) -> int:
    """`model.objects.filter(pk=pk).update(**values)` for concrete fields by name, at about a
    third of its cost: the statement is built once per set of fields (the ingest path updates
    its source after every page). Returns the number of rows updated.

    `commit_without_waiting_for_disk` (inside a transaction): that transaction's COMMIT then
    returns before its WAL is flushed (PostgreSQL's `synchronous_commit = off`, for this
    transaction only, sent in the same round trip; elsewhere nothing). The database stays
    consistent, but a server crash can undo the last such commits (those of the last
    ~3 x `wal_writer_delay`), each whole. Only for work that is simply done again when its
    transaction is lost, such as a polled page whose cursor is undone with its mentions; a
    process that remembers what it committed so must forget it with the connection
    (`database_session`).
    """
    sql = _update_sql(model, tuple(values))
    if commit_without_waiting_for_disk and connection.vendor == "postgresql":
        # Outside a transaction the UPDATE itself would be that commit.
        if not connection.in_atomic_block:
            raise TransactionManagementError("commit_without_waiting_for_disk needs a transaction")
        # A client-side binding cursor (Django's default) sends both statements at once.
        sql += "; SET LOCAL synchronous_commit TO OFF"
    get_field = model._meta.get_field
    params = [get_field(name).get_db_prep_save(v, connection) for name, v in values.items()]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, pk])
        return cursor.rowcount


@cache
def _update_sql(model: type[models.Model], names: tuple[str, ...]) -> str:
    qn = connection.ops.quote_name
    meta = model._meta
    assignments = ", ".join(f"{qn(meta.get_field(name).column)} = %s" for name in names)
    return f"UPDATE {qn(meta.db_table)} SET {assignments} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
