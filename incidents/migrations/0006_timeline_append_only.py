"""Make the incident timeline append-only in the database itself.

PostgreSQL and SQLite get a trigger that refuses every UPDATE and DELETE of
incidents_incidentevent, whoever runs it (the app, the admin, a psql session). One update is
let through: setting `actor_id` to NULL and nothing else, which is what deleting a user account
does (on_delete=SET_NULL); the event itself stays. TRUNCATE (test flushes, a DBA's explicit
wipe) is not a row operation and is not blocked.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION incidents_incidentevent_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
       AND NEW.incident_id = OLD.incident_id AND NEW.kind = OLD.kind AND NEW.at = OLD.at
       AND NEW.summary = OLD.summary AND NEW.data = OLD.data THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'incident timeline is append-only: % refused', TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER incidents_incidentevent_append_only
    BEFORE UPDATE OR DELETE ON incidents_incidentevent
    FOR EACH ROW EXECUTE FUNCTION incidents_incidentevent_append_only();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS incidents_incidentevent_append_only ON incidents_incidentevent;
DROP FUNCTION IF EXISTS incidents_incidentevent_append_only();
"""
SQLITE_FORWARD = [
    """
    CREATE TRIGGER incidents_incidentevent_no_update
    BEFORE UPDATE ON incidents_incidentevent
    WHEN NOT (NEW.actor_id IS NULL AND OLD.actor_id IS NOT NULL
              AND NEW.incident_id = OLD.incident_id AND NEW.kind = OLD.kind
              AND NEW.at = OLD.at AND NEW.summary = OLD.summary AND NEW.data = OLD.data)
    BEGIN SELECT RAISE(ABORT, 'incident timeline is append-only: UPDATE refused'); END;
    """,
    """
    CREATE TRIGGER incidents_incidentevent_no_delete
    BEFORE DELETE ON incidents_incidentevent
    BEGIN SELECT RAISE(ABORT, 'incident timeline is append-only: DELETE refused'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS incidents_incidentevent_no_update;",
    "DROP TRIGGER IF EXISTS incidents_incidentevent_no_delete;",
]


def forward(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, None)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql, None)
    # Other databases: no trigger (unsupported backends); the admin and API stay read-only.


def backward(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, None)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql, None)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0005_incident_playbook_incident_reach_and_more")]

    operations = [migrations.RunPython(forward, backward)]
