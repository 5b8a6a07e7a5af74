"""CSV and vCard: hostile content round-trips intact, formulas are neutralised, folding and
escaping hold; availability windows parse and check."""

from datetime import UTC, datetime

import pytest

from contacts import csvio, vcard
from contacts.availability import (
    AvailabilityInvalid,
    availability_format,
    availability_is_open,
    availability_parse,
)

HOSTILE = {
    "kind": "press",
    "name": '=HYPERLINK("http://evil.example","click"), Ünïcødé 名前',
    "organisation": "+cmd|' /C calc'!A0",
    "role_title": "-2+3",
    "phone": "+31612345678",
    "email": "@evil@example.org",
    "preferred_channels": "email,sms",
    "notes": "line one\nEND:VCARD\nBEGIN:VCARD\nFN:Injected;x\\y, z\r\n\tTAB",
    "availability": "mon-fri 08:00-18:00; sat 10:00-14:00",
    "availability_tz": "Europe/Amsterdam",
    "last_verified": "2026-11-01",
    "slack_webhook_url": "https://hooks.slack.com/services/T/B/x",
    "slack_member_id": "U123",
    "teams_webhook_url": "",
    "crisiscenter_id": "42",
}


def test_csv_neutralises_formulas_and_round_trips():
    text = csvio.csv_write([HOSTILE])
    lines = text.splitlines()
    assert lines[0].startswith("kind,name,")
    for cell in ("'=HYPERLINK", "'+cmd", "'-2+3", "'@evil", "'+31612345678"):
        assert cell in text
    [row] = csvio.csv_read(text)
    assert row == {k: HOSTILE[k].strip() for k in csvio.FIELDS}


def test_csv_without_name_column_is_rejected():
    with pytest.raises(csvio.CsvInvalid):
        csvio.csv_read("foo,bar\n1,2\n")


def test_vcard_escapes_folds_and_round_trips():
    text = vcard.vcard_write([HOSTILE, {"name": "Second", "email": "b@example.org"}])
    assert text.split("\r\n").count("BEGIN:VCARD") == 2  # the note could not open a card
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    cards = vcard.vcard_read(text)
    assert len(cards) == 2
    first = cards[0]
    for key in ("name", "organisation", "role_title", "phone", "email", "availability",
                "last_verified", "slack_member_id", "preferred_channels"):  # fmt: skip
        assert first[key] == HOSTILE[key], key
    assert first["notes"] == HOSTILE["notes"].replace("\r\n", "\n")
    assert cards[1] == {"name": "Second", "email": "b@example.org"}


def test_vcard_reads_version_4_with_tel_uri_and_groups():
    text = (
        "BEGIN:VCARD\r\nVERSION:4.0\r\nN:Jansen;Piet;;;\r\nORG:Omroep West;Nieuws\r\n"
        "TEL;VALUE=uri;TYPE=cell:tel:+31701234567\r\nitem1.EMAIL;TYPE=work:piet@omroep.example\r\n"
        "NOTE:Camera\\, crew\\nbelt terug\r\nEND:VCARD\r\n"
    )
    [card] = vcard.vcard_read(text)
    assert card == {
        "name": "Piet Jansen", "organisation": "Omroep West", "phone": "+31701234567",
        "email": "piet@omroep.example", "notes": "Camera, crew\nbelt terug",
    }  # fmt: skip


@pytest.mark.parametrize(
    "text", ["FN:x\r\n", "BEGIN:VCARD\r\nFN:x\r\n", "END:VCARD\r\n", "BEGIN:VCARD\r\nnocolon\r\n"]
)
def test_vcard_malformed_is_rejected(text):
    with pytest.raises(vcard.VcardInvalid):
        vcard.vcard_read(text)


def test_availability_parse_format_and_check():
    windows = availability_parse("Mon-Fri 08:00-18:00; sun 22:00-06:00")
    assert availability_format(windows) == "mon-fri 08:00-18:00; sun 22:00-06:00"
    assert availability_parse("24/7") == []
    # Wednesday 25 Nov 2026, 09:00 Amsterdam = 08:00 UTC
    assert availability_is_open(
        windows, tz="Europe/Amsterdam", at=datetime(2026, 11, 25, 8, tzinfo=UTC)
    )
    assert not availability_is_open(
        windows, tz="Europe/Amsterdam", at=datetime(2026, 11, 25, 20, tzinfo=UTC)
    )
    # Monday 03:00 Amsterdam falls in Sunday's overnight window
    assert availability_is_open(
        windows, tz="Europe/Amsterdam", at=datetime(2026, 11, 30, 2, tzinfo=UTC)
    )
    for bad in ("someday 08:00-09:00", "mon 25:00-26:00", "mon 08:00-08:00", "whenever"):
        with pytest.raises(AvailabilityInvalid):
            availability_parse(bad)
