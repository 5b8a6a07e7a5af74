"""Fixtures shared by the monitoring tests."""

import pytest
from django.db import connection

from monitoring.models import WatchTerm

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


SECRET = "s3cret-webhook-key"


@pytest.fixture
def webhook_source():
    """A webhook source pushing as X, signed with SECRET, in a workspace watching "Bank Noord"."""
    from monitoring.services import source_create
    from tests.factories import WorkspaceFactory

    ws = WorkspaceFactory()
    WatchTerm.objects.create(workspace=ws, query='"Bank Noord"')
    return source_create(
        workspace_id=ws.pk,
        name="Brandwatch push",
        platform="webhook",
        settings={"platform": "x"},
        interval=60,
        credentials={"webhook_secret": SECRET},
    )


@pytest.fixture
def admin_client(client, make_workspace, make_member):
    """A client logged in as an admin of workspace "bank" (`client.workspace`), in English."""
    workspace = make_workspace(slug="bank")
    client.force_login(make_member(workspace, role="admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    client.workspace = workspace
    return client
