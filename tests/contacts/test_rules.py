"""Contact rules: reachable somehow, a plausible verification date, and no delete while an
escalation protocol names the contact (a protocol changes only with a version)."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacts.models import Contact
from escalation import services as escalation_services
from escalation.models import EscalationProtocolVersion, EscalationTier

pytestmark = pytest.mark.django_db

BASE = {"kind": "it", "name": "Ivo"}


@pytest.fixture
def ws(make_workspace):
    return make_workspace()


@pytest.fixture
def admin_user(ws, make_member):
    return make_member(ws, role="admin")


def _post(api_client_for, by, ws, **values):
    return api_client_for(by).post(
        "/api/contacts/", {**BASE, "workspace": ws.slug, **values}, format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip


def test_contact_without_any_way_to_reach_is_refused(ws, admin_user, api_client_for, client):
    response = _post(api_client_for, admin_user, ws, organisation="AP", slack_member_id="U1")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "Give at least one way to reach the contact: phone, e-mail or a webhook URL."
    ]
    client.force_login(admin_user)
    page = client.post(f"/w/{ws.slug}/contacts/new/", {**BASE, "availability": "24/7"})
    assert page.status_code == 200
    assert "Give at least one way to reach the contact" in page.content.decode()
    assert not Contact.objects.exists()
    hook = _post(api_client_for, admin_user, ws,
                 teams_webhook_url="https://example.webhook.office.com/x")  # fmt: skip
    assert hook.status_code == 201
    removed = api_client_for(admin_user).patch(
        f"/api/contacts/{hook.json()['id']}/", {"teams_webhook_url": ""}, format="json"
    )
    assert removed.status_code == 400


@pytest.mark.parametrize("verified", ["2999-01-01", "0001-01-01", "1999-12-31"])
def test_contact_verification_date_must_be_plausible(
    ws, admin_user, api_client_for, client, verified
):
    response = _post(api_client_for, admin_user, ws, email="ivo@example.org",
                     last_verified_at=verified)  # fmt: skip
    assert response.status_code == 400
    assert "last_verified_at" in response.json()["errors"]
    client.force_login(admin_user)
    page = client.post(f"/w/{ws.slug}/contacts/new/", {**BASE, "email": "ivo@example.org",
                       "availability": "24/7", "last_verified_at": verified})  # fmt: skip
    assert "The last verification must lie between 2000-01-01 and today." in page.content.decode()
    upload = SimpleUploadedFile("c.csv", f"name,email,last_verified\r\nX,x@e.org,{verified}\r\n"
                                .encode())  # fmt: skip
    report = (
        api_client_for(admin_user)
        .post("/api/contacts/import/", {"workspace": ws.slug, "file": upload})
        .json()
    )
    assert report["rows"][0]["status"] == "error"
    assert not Contact.objects.exists()


@pytest.mark.parametrize("days", [0, 1, -4000])
def test_contact_verification_today_tomorrow_and_past_are_accepted(
    ws, admin_user, api_client_for, days
):
    verified = timezone.localdate() + timedelta(days=days)
    response = _post(api_client_for, admin_user, ws, email="ivo@example.org",
                     last_verified_at=verified.isoformat())  # fmt: skip
    assert response.status_code == 201, response.json()
    assert date.fromisoformat(response.json()["last_verified_at"]) == verified


@pytest.fixture
def used_contact(ws, admin_user):
    anna = Contact.objects.create(workspace=ws, kind="it", name="Anna", email="a@example.org")
    for severity, name in ((1, "Crisis"), (3, "Major")):
        escalation_services.protocol_create(
            workspace=ws,
            values={"name": name, "min_severity": severity, "is_enabled": severity == 1},
            tiers=[{"contact_ids": [anna.pk], "channels": ["email"], "wait_seconds": 60}],
            by=admin_user,
        )  # fmt: skip
    return anna


def test_contact_delete_is_refused_while_a_protocol_names_it(
    ws, admin_user, api_client_for, used_contact
):
    response = api_client_for(admin_user).delete(
        f"/api/contacts/{used_contact.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 409
    assert response.json()["protocols"] == ["Crisis (tier 1)", "Major (tier 1)"]
    assert "Anna is in escalation protocols" in response.json()["detail"]
    assert Contact.objects.filter(pk=used_contact.pk).exists()
    assert EscalationTier.objects.filter(contacts=used_contact).count() == 2
    assert EscalationProtocolVersion.objects.count() == 2  # no silent protocol change


def test_contact_delete_page_names_the_protocols(client, ws, admin_user, used_contact):
    client.force_login(admin_user)
    page = client.post(f"/w/{ws.slug}/contacts/{used_contact.pk}/delete/", follow=True)
    assert "Anna is in escalation protocols: Crisis (tier 1), Major (tier 1)" in (
        page.content.decode()
    )
    assert Contact.objects.filter(pk=used_contact.pk).exists()


def test_contact_delete_works_once_no_protocol_names_it(ws, admin_user, api_client_for, client):
    free = Contact.objects.create(workspace=ws, kind="it", name="Free", email="f@example.org")
    client.force_login(admin_user)
    page = client.get(f"/w/{ws.slug}/contacts/").content.decode()
    assert 'class="inline contact-delete" data-confirm="Delete the contact “Free”?' in page
    assert "js/contacts.js" in page
    response = api_client_for(admin_user).delete(f"/api/contacts/{free.pk}/")
    assert response.status_code == 204


@pytest.mark.parametrize("role", ["crisis_team", "communications"])
def test_contact_delete_by_non_admin_is_403(ws, make_member, api_client_for, used_contact, role):
    client = api_client_for(make_member(ws, role=role))
    assert client.delete(f"/api/contacts/{used_contact.pk}/").status_code == 403


def test_workspace_delete_still_takes_its_contacts_and_protocols(ws, used_contact):
    ws.delete()
    assert not Contact.objects.filter(pk=used_contact.pk).exists()
    assert not EscalationTier.objects.exists()


def test_contact_messages_are_translatable_sentences(ws, admin_user, api_client_for):
    bad = _post(api_client_for, admin_user, ws, email="ivo@example.org",
                availability="mon 25:00-26:00", user="nobody")  # fmt: skip
    errors = bad.json()
    assert errors["availability"] == ["Bad time “25:00” (use 00:00 to 24:00)."]
    assert errors["user"] == ["No user with this username."]
    unreadable = _post(api_client_for, admin_user, ws, email="ivo@example.org",
                       availability="sometimes")  # fmt: skip
    assert unreadable.json()["availability"] == [
        "Cannot read “sometimes” (example: mon-fri 08:00-18:00)."
    ]
    upload = SimpleUploadedFile("x.vcf", b"BEGIN:VCARD\r\nFN:x\r\n", content_type="text/vcard")
    response = api_client_for(admin_user).post(
        "/api/contacts/import/", {"workspace": ws.slug, "file": upload},
        HTTP_ACCEPT_LANGUAGE="en",
    )  # fmt: skip
    assert response.json()["detail"] == (
        "Cannot read the file: a card is not closed with END:VCARD"
    )
