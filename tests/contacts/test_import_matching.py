"""Importing contacts: an export re-imported changes nothing, a match never blanks what a row
leaves empty, an ambiguous match is a row error; semicolon and tab files are read, a broken
quote is a row error."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from contacts.models import Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def ws(make_workspace):
    return make_workspace()


@pytest.fixture
def admin(ws, make_member, api_client_for):
    return api_client_for(make_member(ws, role="admin"))


def _import(client, ws, content: str | bytes, name: str = "contacts.csv") -> dict:
    data = content.encode() if isinstance(content, str) else content
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    response = client.post(
        "/api/contacts/import/", {"workspace": ws.slug, "file": upload}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200, response.content
    return response.json()


def _state(ws) -> list[tuple]:
    return list(
        Contact.objects.filter(workspace=ws)
        .order_by("id")
        .values_list("id", "name", "email", "phone", "organisation", "role_title", "notes",
                     "slack_webhook_url", "updated_at")
    )  # fmt: skip


def _tricky_contacts(ws) -> None:
    """Contacts that the old matching merged: one phone shared by two people (one without
    e-mail), five sharing a switchboard e-mail, one reached only by webhook."""
    Contact.objects.create(workspace=ws, kind="legal", name="Anna", email="anna@example.org",
                           phone="+31612345678", organisation="Bank", notes="keep")  # fmt: skip
    Contact.objects.create(workspace=ws, kind="it", name="Bert", phone="+31612345678")
    for i in range(5):
        Contact.objects.create(workspace=ws, kind="press", name=f"Desk {i}",
                               email="desk@example.org", role_title=f"shift {i}")  # fmt: skip
    Contact.objects.create(workspace=ws, kind="it", name="Bot",
                           slack_webhook_url="https://hooks.slack.com/services/T/B/x")  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "vcard"])
def test_contacts_import_of_own_export_changes_nothing(ws, admin, fmt):
    _tricky_contacts(ws)
    before = _state(ws)
    export = admin.get(f"/api/contacts/export/?workspace={ws.slug}&type={fmt}").content
    for _round in range(2):
        report = _import(admin, ws, export, "contacts.csv" if fmt == "csv" else "c.vcf")
        assert (report["created"], report["updated"], report["errors"]) == (0, 0, 0), report
        assert report["unchanged"] == 8
    assert _state(ws) == before


def test_contacts_import_never_blanks_fields_the_row_leaves_empty(ws, admin):
    anna = Contact.objects.create(
        workspace=ws, kind="legal", name="Anna", email="anna@example.org", phone="+31612345678",
        organisation="Bank", role_title="Counsel", notes="keep", preferred_channels=["sms"],
        availability=[{"days": [0], "start": "08:00", "end": "18:00"}],
    )  # fmt: skip
    report = _import(admin, ws, "name,email,phone,organisation\r\n,ANNA@example.org,,New Org\r\n")
    assert (report["updated"], report["errors"]) == (1, 0), report
    anna.refresh_from_db()
    assert (anna.name, anna.organisation, anna.role_title, anna.notes) == (
        "Anna",
        "New Org",
        "Counsel",
        "keep",
    )
    assert (anna.email, anna.phone, anna.kind) == ("anna@example.org", "+31612345678", "legal")
    assert anna.preferred_channels == ["sms"]
    assert anna.availability == [{"days": [0], "start": "08:00", "end": "18:00"}]


def test_contacts_import_reports_ambiguous_matches_instead_of_merging(ws, admin):
    _tricky_contacts(ws)
    before = _state(ws)
    report = _import(
        admin, ws,
        "name,email,phone\r\nSomeone,desk@example.org,\r\nOther,,+31612345678\r\n",
    )  # fmt: skip
    assert [r["status"] for r in report["rows"]] == ["error", "error"]
    assert "Several contacts match this row" in report["rows"][0]["errors"]["match"][0]
    assert "Desk 0" in report["rows"][0]["errors"]["match"][0]
    assert "Anna, Bert" in report["rows"][1]["errors"]["match"][0]
    assert _state(ws) == before


def test_contacts_import_phone_never_joins_a_contact_with_another_email(ws, admin):
    Contact.objects.create(workspace=ws, kind="it", name="Anna", email="anna@example.org",
                           phone="+31612345678")  # fmt: skip
    report = _import(admin, ws, "name,email,phone\r\nCees,cees@example.org,+31612345678\r\n")
    assert report["created"] == 1
    assert Contact.objects.get(email="anna@example.org").name == "Anna"


def test_contacts_import_id_of_another_workspace_is_not_used(ws, admin, make_workspace):
    foreign = Contact.objects.create(
        workspace=make_workspace(), kind="it", name="Foreign", email="f@example.org"
    )
    report = _import(
        admin, ws, f"name,email,crisiscenter_id\r\nMine,mine@example.org,{foreign.pk}\r\n"
    )
    assert report["created"] == 1
    foreign.refresh_from_db()
    assert foreign.name == "Foreign"
    bad = _import(admin, ws, "name,email,crisiscenter_id\r\nMine,mine@example.org,abc\r\n")
    assert bad["rows"][0]["errors"] == {"crisiscenter_id": ["Not a contact id."]}


def test_contacts_import_ignores_a_spreadsheets_own_id_column(ws, admin):
    """An HR sheet's employee numbers under "ID" are not our ids: they never overwrite the
    contacts that happen to have those database ids."""
    anna = Contact.objects.create(workspace=ws, kind="legal", name="Anna",
                                  email="anna@example.org", phone="+31612345678")  # fmt: skip
    bert = Contact.objects.create(workspace=ws, kind="it", name="Bert", phone="+31687654321")
    before = _state(ws)
    report = _import(
        admin, ws,
        f"ID,Name,Email,Phone\r\n{anna.pk},Cees,cees@example.org,+31611111111\r\n"
        f"{bert.pk},Dirk,,+31622222222\r\n",
    )  # fmt: skip
    assert (report["created"], report["updated"], report["errors"]) == (2, 0, 0), report
    assert _state(ws)[:2] == before


@pytest.mark.parametrize("fmt", ["csv", "vcard"])
def test_contacts_import_refuses_an_id_that_belongs_to_another_contact(ws, admin, fmt):
    anna = Contact.objects.create(workspace=ws, kind="legal", name="Anna",
                                  email="anna@example.org", phone="+31612345678")  # fmt: skip
    before = _state(ws)
    if fmt == "csv":
        text = (
            f"name,email,phone,crisiscenter_id\r\nCees,cees@example.org,+31611111111,{anna.pk}\r\n"
        )
    else:
        text = ("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Cees\r\nEMAIL:cees@example.org\r\n"
                f"X-CRISISCENTER-ID:{anna.pk}\r\nEND:VCARD\r\n")  # fmt: skip
    report = _import(admin, ws, text, "c.csv" if fmt == "csv" else "c.vcf")
    [row] = report["rows"]
    assert row["status"] == "error"
    assert row["errors"] == {"crisiscenter_id": [
        "The id belongs to another contact (Anna): neither the e-mail nor the phone of this "
        "row is theirs."
    ]}  # fmt: skip
    assert _state(ws) == before


def test_contacts_import_id_updates_when_the_phone_or_email_agrees(ws, admin):
    anna = Contact.objects.create(workspace=ws, kind="legal", name="Anna",
                                  email="anna@example.org", phone="+31612345678")  # fmt: skip
    report = _import(
        admin, ws,
        "name,email,phone,crisiscenter_id\r\n"
        f"Anna B,anna.b@example.org,+31 6 1234 5678,{anna.pk}\r\n",
    )  # fmt: skip
    assert (report["updated"], report["errors"]) == (1, 0), report
    anna.refresh_from_db()
    assert (anna.name, anna.email) == ("Anna B", "anna.b@example.org")


@pytest.mark.parametrize("fmt", ["csv", "vcard"])
def test_contacts_import_bad_cells_are_row_errors_not_a_500(ws, admin, fmt):
    if fmt == "csv":
        text = ("name,email,crisiscenter_id\r\nFirst,first@example.org,\r\n"
                "Second,second@example.org,\u00b2\r\nThird,third@exa\x00mple.org,\r\n"
                "Fourth,fourth@example.org,\r\n")  # fmt: skip
    else:
        card = "BEGIN:VCARD\r\nFN:{n}\r\nEMAIL:{e}\r\n{x}END:VCARD\r\n"
        text = "".join([
            card.format(n="First", e="first@example.org", x=""),
            card.format(n="Second", e="second@example.org", x="X-CRISISCENTER-ID:\u00b2\r\n"),
            card.format(n="Third", e="third@example.org", x="NOTE:a\x00b\r\n"),
            card.format(n="Fourth", e="fourth@example.org", x=""),
        ])  # fmt: skip
    report = _import(admin, ws, text, "c.csv" if fmt == "csv" else "c.vcf")
    assert [r["status"] for r in report["rows"]] == ["created", "error", "error", "created"]
    assert report["rows"][1]["errors"] == {"crisiscenter_id": ["Not a contact id."]}
    assert report["rows"][2]["errors"] == {
        "row": ["A cell contains a NUL character; remove it and import the row again."]
    }
    names = Contact.objects.filter(workspace=ws).values_list("name", flat=True)
    assert sorted(names) == ["First", "Fourth"]


def test_contacts_export_names_the_id_column_crisiscenter_id(ws, admin):
    anna = Contact.objects.create(workspace=ws, kind="legal", name="Anna", email="a@example.org")
    csv_text = admin.get(f"/api/contacts/export/?workspace={ws.slug}&type=csv").content.decode()
    header, line = csv_text.splitlines()[:2]
    assert header.split(",")[-1] == "crisiscenter_id"
    assert "id" not in header.split(",")
    assert line.endswith(f",{anna.pk}")
    vcf = admin.get(f"/api/contacts/export/?workspace={ws.slug}&type=vcard").content.decode()
    assert f"X-CRISISCENTER-ID:{anna.pk}" in vcf


SEMICOLONS = "name;email;phone\r\nJan;jan@example.org;+31 6 1234 0001\r\nPiet;piet@example.org;\r\n"


@pytest.mark.parametrize("content", [SEMICOLONS, "sep=;\r\n" + SEMICOLONS,
                                     SEMICOLONS.replace(";", "\t")])  # fmt: skip
def test_contacts_import_reads_semicolon_and_tab_files(ws, admin, content):
    report = _import(admin, ws, content.encode("cp1252"))
    assert (report["created"], report["errors"]) == (2, 0), report
    jan = Contact.objects.get(workspace=ws, name="Jan")
    assert (jan.email, jan.phone) == ("jan@example.org", "+31612340001")


def test_contacts_import_reports_an_unclosed_quote_as_a_row_error(ws, admin):
    report = _import(
        admin, ws,
        'name,email\r\nFirst,first@example.org\r\n"unterminated,x@example.org\r\nLast,l@example.org\r\n',
    )  # fmt: skip
    assert [r["status"] for r in report["rows"]] == ["created", "error"]
    assert report["rows"][1]["errors"] == {
        "row": ["A quote is not closed: this row and every line after it were not imported."]
    }
    assert list(Contact.objects.filter(workspace=ws).values_list("name", flat=True)) == ["First"]


def test_contacts_import_page_shows_row_reasons_without_keys(client, ws, make_member):
    client.force_login(make_member(ws, role="admin"))
    upload = SimpleUploadedFile("c.csv", b'name,email\r\n"open,x@example.org\r\n')
    page = client.post(f"/w/{ws.slug}/contacts/import/", {"file": upload}).content.decode()
    assert "A quote is not closed" in page
    assert "row: A quote" not in page
