"""Page links point at pages, not at the API routes that share a route name."""

import re

import pytest

pytestmark = pytest.mark.django_db


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'href="([^"]+)"', html))


def test_nav_and_incident_links_lead_to_pages_not_the_api(client, crew):
    client.force_login(crew.team)
    listing = client.get("/incidents/").content.decode()
    hrefs = _hrefs(listing)
    assert "/incidents/" in hrefs  # the "Incidents" nav link
    assert "/playbooks/" in hrefs
    assert f"/incidents/{crew.incident.pk}/" in hrefs
    assert not [h for h in hrefs if h.startswith("/api/")]
    detail = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert "/playbooks/" in _hrefs(detail)
    assert not [h for h in _hrefs(detail) if h.startswith("/api/")]
    assert client.get("/playbooks/").status_code == 200


def test_statements_page_links_back_to_its_incident_and_the_incident_links_to_it(client, crew):
    client.force_login(crew.comms)
    page = client.get(f"/incidents/{crew.incident.pk}/statements/").content.decode()
    assert f'href="/incidents/{crew.incident.pk}/"' in page
    detail = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert f'href="/incidents/{crew.incident.pk}/statements/"' in detail


def test_topbar_shows_the_role_label_in_the_users_language_not_the_code(client, crew):
    client.force_login(crew.team)
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert "· Crisisteam</span>" in page  # Dutch by default
    assert "crisis_team</span>" not in page
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.get(f"/incidents/{crew.incident.pk}/").content.decode()
    assert "· Crisis team</span>" in page


def test_contact_import_report_speaks_dutch(client, crew):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(crew.admin)
    upload = SimpleUploadedFile(
        "c.csv", b"name,phone\nEva,+31612345001\nBad,12\n", content_type="text/csv"
    )
    page = client.post(
        f"/w/{crew.workspace.slug}/contacts/import/", {"file": upload}
    ).content.decode()
    assert "<td>Aangemaakt</td>" in page
    assert "<td>Fout</td>" in page
    assert "<td>created</td>" not in page
