"""/api/contacts/ and the contacts page: roles endpoint by endpoint, validation, the 90-day
flag, import (created/updated/errors per row, idempotent) and export."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(make_workspace):
    workspace = make_workspace()
    today = timezone.localdate()
    Contact.objects.create(workspace=workspace, kind="legal", name="Lotte Legal",
                           email="lotte@example.org", last_verified_at=today)  # fmt: skip
    Contact.objects.create(
        workspace=workspace, kind="dpa", name="Autoriteit Persoonsgegevens",
        phone="+31708888500", last_verified_at=timezone.localdate() - timedelta(days=91),
    )  # fmt: skip
    return workspace


NEW = {"kind": "spokesperson", "name": "Sam Speaker", "phone": "+31 6 1234 5678",
       "email": "sam@example.org", "preferred_channels": ["sms"],
       "availability": "mon-fri 08:00-18:00"}  # fmt: skip


@pytest.mark.parametrize("role", ["admin", "crisis_team", "communications"])
def test_members_read_contacts_with_flag(ws, make_member, api_client_for, role):
    client = api_client_for(make_member(ws, role=role))
    data = client.get(f"/api/contacts/?workspace={ws.slug}").json()
    assert data["count"] == 2
    flags = {c["name"]: c["is_flagged"] for c in data["results"]}
    assert flags == {"Lotte Legal": False, "Autoriteit Persoonsgegevens": True}
    flagged = client.get(f"/api/contacts/?workspace={ws.slug}&flagged=1").json()
    assert [c["name"] for c in flagged["results"]] == ["Autoriteit Persoonsgegevens"]


def test_admin_creates_updates_verifies_deletes(ws, make_member, api_client_for):
    client = api_client_for(make_member(ws, role="admin"))
    created = client.post("/api/contacts/", {**NEW, "workspace": ws.slug}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["phone"] == "+31612345678"  # normalised
    assert body["availability"] == "mon-fri 08:00-18:00"
    assert body["is_flagged"] is True
    url = f"/api/contacts/{body['id']}/"
    assert client.patch(url, {"organisation": "Bank Noord"}, format="json").status_code == 200
    verified = client.post(url + "verify/").json()
    assert verified["is_flagged"] is False
    assert client.delete(url).status_code == 204


@pytest.mark.parametrize(
    ("change", "field"),
    [({"phone": "0612345678"}, "phone"), ({"email": "nope"}, "email"),
     ({"kind": "astrologer"}, "kind"), ({"availability": "sometimes"}, "availability"),
     ({"preferred_channels": ["pigeon"]}, "preferred_channels"),
     ({"slack_webhook_url": "http://hooks.example.org/x"}, "slack_webhook_url"),
     ({"teams_webhook_url": "http://10.0.0.1/hook"}, "teams_webhook_url")],
)  # fmt: skip
def test_invalid_contact_is_400(ws, make_member, api_client_for, change, field):
    client = api_client_for(make_member(ws, role="admin"))
    response = client.post("/api/contacts/", {**NEW, "workspace": ws.slug, **change}, format="json")
    assert response.status_code == 400
    assert field in str(response.json())


@pytest.mark.parametrize("role", ["crisis_team", "communications"])
def test_non_admins_cannot_write(ws, make_member, api_client_for, role):
    client = api_client_for(make_member(ws, role=role))
    contact = Contact.objects.filter(workspace=ws).first()
    assert (
        client.post("/api/contacts/", {**NEW, "workspace": ws.slug}, format="json").status_code
        == 403
    )
    assert (
        client.patch(f"/api/contacts/{contact.pk}/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert client.delete(f"/api/contacts/{contact.pk}/").status_code == 403
    assert client.post(f"/api/contacts/{contact.pk}/verify/").status_code == 403
    upload = SimpleUploadedFile("c.csv", b"name\nX\n", content_type="text/csv")
    assert (
        client.post("/api/contacts/import/", {"workspace": ws.slug, "file": upload}).status_code
        == 403
    )
    assert client.get(f"/api/contacts/export/?workspace={ws.slug}").status_code == 200


def test_non_member_404_and_anonymous_401(ws, make_member, api_client_for):
    client = api_client_for(make_member())
    contact = Contact.objects.filter(workspace=ws).first()
    assert client.get(f"/api/contacts/{contact.pk}/").status_code == 404
    assert (
        client.patch(f"/api/contacts/{contact.pk}/", {"name": "x"}, format="json").status_code
        == 404
    )
    assert (
        client.post("/api/contacts/", {**NEW, "workspace": ws.slug}, format="json").status_code
        == 404
    )
    assert client.get(f"/api/contacts/export/?workspace={ws.slug}").status_code == 404
    assert client.get("/api/contacts/").json()["count"] == 0
    assert api_client_for(None).get("/api/contacts/").status_code in (401, 403)


def test_import_reports_rows_and_is_idempotent(ws, make_member, api_client_for):
    client = api_client_for(make_member(ws, role="admin"))
    csv_text = (
        b"name,kind,email,phone,availability\r\n"
        b"Lotte Legal (new title),legal,LOTTE@example.org,,24/7\r\n"
        b"Piet Pers,press,,'+31701234567,\r\n"
        b"Broken,press,not-an-email,,\r\n"
        b"Bad hours,it,it@example.org,,whenever\r\n"
    )

    def upload():
        return SimpleUploadedFile("contacts.csv", csv_text, content_type="text/csv")

    report = client.post("/api/contacts/import/", {"workspace": ws.slug, "file": upload()}).json()
    assert (report["created"], report["updated"], report["errors"]) == (1, 1, 2)
    statuses = [(r["row"], r["status"]) for r in report["rows"]]
    assert statuses == [(1, "updated"), (2, "created"), (3, "error"), (4, "error")]
    assert "email" in report["rows"][2]["errors"]
    assert "availability" in report["rows"][3]["errors"]
    again = client.post("/api/contacts/import/", {"workspace": ws.slug, "file": upload()}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 2)
    assert Contact.objects.filter(workspace=ws).count() == 3
    assert Contact.objects.get(email__iexact="lotte@example.org").name == "Lotte Legal (new title)"


def test_export_then_import_vcard_round_trip(ws, make_member, api_client_for, make_workspace):
    client = api_client_for(make_member(ws, role="admin"))
    Contact.objects.create(workspace=ws, kind="press", name="=cmd|' /C calc'!A0",
                           email="evil@example.org", notes="a;b,c\nEND:VCARD")  # fmt: skip
    csv_response = client.get(f"/api/contacts/export/?workspace={ws.slug}&type=csv")
    assert csv_response["Content-Type"].startswith("text/csv")
    assert "'=cmd" in csv_response.content.decode()
    vcf = client.get(f"/api/contacts/export/?workspace={ws.slug}&type=vcard")
    assert "attachment" in vcf["Content-Disposition"]
    other = make_workspace()
    admin2 = api_client_for(make_member(other, role="admin"))
    upload = SimpleUploadedFile("x.vcf", vcf.content, content_type="text/vcard")
    report = admin2.post("/api/contacts/import/", {"workspace": other.slug, "file": upload}).json()
    assert report["created"] == 3
    assert report["errors"] == 0
    copied = Contact.objects.get(workspace=other, email="evil@example.org")
    assert copied.name == "=cmd|' /C calc'!A0"
    assert copied.notes == "a;b,c\nEND:VCARD"
    dpa = Contact.objects.get(workspace=other, kind="dpa")
    assert dpa.last_verified_at == timezone.localdate() - timedelta(days=91)


def test_unreadable_import_is_400(ws, make_member, api_client_for):
    client = api_client_for(make_member(ws, role="admin"))
    upload = SimpleUploadedFile("x.vcf", b"FN:no card\r\n", content_type="text/vcard")
    response = client.post("/api/contacts/import/", {"workspace": ws.slug, "file": upload})
    assert response.status_code == 400
    assert "Cannot read" in response.json()["detail"]


def test_contacts_page_flag_badge_filter_and_admin_form(client, ws, make_member):
    team = make_member(ws, role="crisis_team")
    client.force_login(team)
    page = client.get(f"/w/{ws.slug}/contacts/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "badge-warn" in html
    assert "Autoriteit Persoonsgegevens" in html
    assert f"/w/{ws.slug}/contacts/new/" not in html  # not an admin
    vcf = client.get(f"/w/{ws.slug}/contacts/export.vcard")
    assert vcf.status_code == 200
    assert vcf.content.decode().count("BEGIN:VCARD") == 2
    assert client.get(f"/w/{ws.slug}/contacts/export.xls").status_code == 404
    only = client.get(f"/w/{ws.slug}/contacts/?flagged=1").content.decode()
    assert "Lotte Legal" not in only
    assert "Autoriteit Persoonsgegevens" in only
    assert client.get(f"/w/{ws.slug}/contacts/new/").status_code == 403
    admin = make_member(ws, role="admin")
    client.force_login(admin)
    bad = client.post(f"/w/{ws.slug}/contacts/new/", {"kind": "it", "name": "Ivo", "phone": "12"})
    assert bad.status_code == 200
    assert "E.164" in bad.content.decode()
    ok = client.post(f"/w/{ws.slug}/contacts/new/", {"kind": "it", "name": "Ivo",
                     "phone": "+31612340000", "availability": "24/7"})  # fmt: skip
    assert ok.status_code == 302
    assert Contact.objects.filter(workspace=ws, name="Ivo").exists()
    stranger = make_member()
    client.force_login(stranger)
    assert client.get(f"/w/{ws.slug}/contacts/").status_code == 404


def test_contacts_page_speaks_dutch(client, ws, make_member, settings):
    settings.LANGUAGE_CODE = "nl"
    client.force_login(make_member(ws, role="admin"))
    html = client.get(f"/w/{ws.slug}/contacts/").content.decode()
    assert "90 dagen niet gecontroleerd" in html
    assert "Contact toevoegen" in html
