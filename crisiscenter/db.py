"""Database helpers shared by services: batched INSERT ... ON CONFLICT DO NOTHING RETURNING."""

from collections.abc import Sequence

from django.db import connection, models

BATCH_ROWS = 500


def insert_ignore_conflicts(
    objs: Sequence[models.Model], *, conflict_fields: Sequence[str], returning: Sequence[str]
) -> list[tuple]:
    """Insert `objs` in batches, skipping rows that hit the unique `conflict_fields`.

    Returns `returning` columns of the rows actually inserted (PostgreSQL and SQLite ≥ 3.35).
    Django's bulk_create(ignore_conflicts=True) cannot tell which rows were new.
    """
    if not objs:
        return []
    model = type(objs[0])
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    conflict = ", ".join(qn(model._meta.get_field(name).column) for name in conflict_fields)
    ret = ", ".join(qn(model._meta.get_field(name).column) for name in returning)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    inserted: list[tuple] = []
    with connection.cursor() as cursor:
        for start in range(0, len(objs), BATCH_ROWS):
            batch = objs[start : start + BATCH_ROWS]
            params: list = []
            for obj in batch:
                for f in fields:
                    params.append(f.get_db_prep_save(f.pre_save(obj, add=True), connection))
            sql = (
                f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
                f"{', '.join([row_sql] * len(batch))} "
                f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {ret}"
            )
            cursor.execute(sql, params)
            inserted.extend(cursor.fetchall())
    return inserted
