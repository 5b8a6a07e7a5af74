"""The statement list's filters: workspace, incident and status (the dashboard's chart
markers read published statements through them); bad values are a 400, never ignored."""

import pytest
from django.utils import timezone

from incidents.models import Incident
from statements.models import Statement

pytestmark = pytest.mark.django_db


def test_status_and_incident_filters_narrow_the_list(
    api_client_for, make_statement, team, workspace, incident
):
    draft = make_statement(title="Concept")
    published = make_statement(title="Gepubliceerd")
    Statement.objects.filter(pk=published.pk).update(
        status=Statement.Status.PUBLISHED, published_at=timezone.now()
    )
    other = Incident.objects.create(
        workspace=workspace, title="Ander incident", status="active", opened_at=timezone.now()
    )
    client = api_client_for(team)

    rows = client.get(f"/api/statements/?workspace={workspace.slug}&status=published").json()
    assert [(r["id"], r["title"]) for r in rows["results"]] == [(published.pk, "Gepubliceerd")]
    assert rows["results"][0]["published_at"]

    rows = client.get(f"/api/statements/?incident={incident.pk}&status=draft").json()
    assert [r["id"] for r in rows["results"]] == [draft.pk]
    assert client.get(f"/api/statements/?incident={other.pk}").json()["results"] == []


@pytest.mark.parametrize(
    "query", ["status=bogus", "incident=abc", "incident=0", "workspace=no%20slug"]
)
def test_bad_filter_values_are_a_400_naming_the_parameter(api_client_for, team, query):
    response = api_client_for(team).get(f"/api/statements/?{query}")
    assert response.status_code == 400
    assert query.split("=")[0] in response.json()
