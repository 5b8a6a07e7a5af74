"""Texts of the incident pages and API in the reader's language: translated errors, status
labels instead of codes, platform names, localised short dates."""

from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone, translation

from incidents import services
from incidents.models import Incident, IncidentEvent
from incidents.templatetags.incidents_tags import platform_labels, short_datetime

pytestmark = pytest.mark.django_db


def _client(api_client_for, user, language: str):
    client = api_client_for(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE=language)
    return client


def test_transition_refusal_names_status_labels_in_dutch(crew, api_client_for):
    response = _client(api_client_for, crew.team, "nl").post(
        f"/api/incidents/{crew.incident.pk}/transition/", {"status": "reviewed"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "Een incident kan niet van actief naar geëvalueerd."


@pytest.mark.parametrize("path", ["claims/999999/", "tasks/999999/"])
def test_claim_and_task_not_found_are_translatable(crew, api_client_for, path):
    client = _client(api_client_for, crew.team, "en")
    response = client.patch(f"/api/incidents/{crew.incident.pk}/{path}", {}, format="json")
    assert response.status_code == 404
    assert response.json()["detail"] in ("Claim not found.", "Task not found.")


def test_update_summary_reads_as_one_sentence_with_platform_names(crew):
    with translation.override("en"):
        services.incident_update(
            incident=crew.incident, by=crew.team, title="Nieuwe titel", platforms=["x", "reddit"]
        )
    event = crew.incident.events.filter(kind=IncidentEvent.Kind.UPDATE).get()
    name = crew.team.get_full_name() or crew.team.get_username()
    assert event.summary == f"{name} changed the title; platforms: Reddit, X"


def test_incident_page_shows_platform_names_not_codes(client: Client, crew):
    Incident.objects.filter(pk=crew.incident.pk).update(platforms=["mastodon", "reddit", "x"])
    client.force_login(crew.team)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert '<span id="incident-platforms">Mastodon, Reddit, X</span>' in page
    assert "data-str-platforms=" in page


def test_short_datetime_is_localised_and_names_other_years():
    this_year = timezone.localtime().year
    with translation.override("en"):
        assert short_datetime(datetime(this_year, 12, 8, 13, 5, tzinfo=UTC)) == "8 Dec 14:05"
        assert short_datetime(datetime(2001, 12, 8, 13, 5, tzinfo=UTC)) == "8 Dec 2001 14:05"
        assert short_datetime(datetime(this_year, 12, 8, 13, 5, 9, tzinfo=UTC), "seconds") == (
            "8 Dec 14:05:09"
        )
    assert short_datetime(None) == ""


def test_platform_labels_filter():
    assert platform_labels(["mastodon", "x"]) == "Mastodon, X"
    assert platform_labels([]) == "-"
