"""Fixtures shared by the monitoring tests."""

import pytest
from django.db import connection

REFUSED = "refused by the test trigger"


@pytest.fixture
def refusing_mentions():
    """PostgreSQL refuses every new mention, quoting its text in the error."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_mention() RETURNS trigger AS $$ BEGIN "
            f"RAISE EXCEPTION '{REFUSED}: %', NEW.text; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_mention BEFORE INSERT ON monitoring_mention "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_mention()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER test_refuse_mention ON monitoring_mention")
        cursor.execute("DROP FUNCTION test_refuse_mention()")
