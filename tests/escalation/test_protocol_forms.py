"""The protocol page and the API share one wait rule (whole seconds, 1 s to 7 days) and the
page shows each error once, at its tier; SMS without a gateway is flagged; history, 404s and
acknowledgements read as words, not codes."""

import pytest
from django.utils import timezone, translation

from escalation import services
from escalation.exceptions import ProtocolInvalid
from escalation.models import EscalationProtocol, EscalationRun
from escalation.waits import WAIT_INVALID

pytestmark = pytest.mark.django_db

with translation.override("en"):  # the tests' language (conftest), whatever is active now
    MESSAGE = str(WAIT_INVALID)


@pytest.fixture
def ws(make_workspace, make_contact):
    workspace = make_workspace()
    return workspace, make_contact(workspace)


def _form(contact, wait: str, **extra) -> dict:
    return {
        "name": "Page protocol", "min_severity": "2", "language": "en", "repeat_count": "0",
        "is_enabled": "on", "tiers-TOTAL_FORMS": "3", "tiers-INITIAL_FORMS": "0",
        "tiers-0-contact_ids": [str(contact.pk)], "tiers-0-channels": ["email"],
        "tiers-0-wait_minutes": wait, **extra,
    }  # fmt: skip


def _api(workspace, contact, wait) -> dict:
    return {
        "workspace": workspace.slug, "name": "API protocol", "min_severity": 3,
        "tiers": [{"contact_ids": [contact.pk], "channels": ["email"], "wait_minutes": wait}],
    }  # fmt: skip


@pytest.mark.parametrize("wait", ["1e308", "1e10", "100000", "10080.5", "0.001", "0.0001", "0"])
def test_protocol_form_and_api_refuse_the_same_waits(client, ws, make_member, api_client_for, wait):
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    client.force_login(admin)
    page = client.post(f"/w/{workspace.slug}/escalation-protocols/new/", _form(contact, wait))
    assert page.status_code == 200
    assert MESSAGE in page.content.decode()
    api = api_client_for(admin).post(
        "/api/escalation-protocols/", _api(workspace, contact, float(wait)), format="json"
    )
    assert api.status_code == 400
    assert api.json()["tiers"]["0"]["wait_minutes"] == [MESSAGE]  # DRF: 0-based, as text
    assert not EscalationProtocol.objects.exists()


@pytest.mark.parametrize(("wait", "seconds"), [("10080", 604800), ("0.5", 30), ("1.25", 75)])
def test_protocol_form_and_api_store_the_same_whole_seconds(
    client, ws, make_member, api_client_for, wait, seconds
):
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    client.force_login(admin)
    page = client.post(f"/w/{workspace.slug}/escalation-protocols/new/", _form(contact, wait))
    assert page.status_code == 302
    api = api_client_for(admin).post(
        "/api/escalation-protocols/", _api(workspace, contact, float(wait)), format="json"
    )
    assert api.status_code == 201, api.json()
    stored = EscalationProtocol.objects.order_by("id")
    assert [p.tiers.get().wait_seconds for p in stored] == [seconds, seconds]


def test_protocol_service_refuses_a_wait_over_seven_days(ws, make_protocol):
    workspace, contact = ws
    with pytest.raises(ProtocolInvalid) as exc:
        make_protocol(
            workspace,
            [{"contact_ids": [contact.pk], "channels": ["email"], "wait_seconds": 10**10}],
        )
    assert exc.value.extra["errors"] == {"tiers[0]": [MESSAGE]}


def test_protocol_form_shows_each_error_once_at_its_tier(client, ws, make_member):
    workspace, contact = ws
    client.force_login(make_member(workspace, role="admin"))
    form = _form(
        contact, "10",
        **{"tiers-0-contact_ids": [], "tiers-0-channels": [], "tiers-0-wait_minutes": "",
           "tiers-1-roles": ["admin"], "tiers-1-channels": ["email"], "tiers-1-wait_minutes": "5",
           "tiers-2-channels": ["sms"], "tiers-2-wait_minutes": "5"},
    )  # fmt: skip
    html = client.post(f"/w/{workspace.slug}/escalation-protocols/new/", form).content.decode()
    assert html.count("The protocol is not valid.") == 1
    assert "tiers[" not in html
    assert html.count("Name at least one contact or role.") == 1
    tier3 = html.index("<legend>Tier 3</legend>")
    assert html.index("Tier 3: Name at least one contact or role.") > tier3  # in its fieldset
    assert "Tier 2:" not in html  # tier 2 is fine; tier 1 is blank and dropped


def test_protocol_pages_warn_when_sms_has_no_gateway(client, ws, make_member, settings):
    settings.ESCALATION_SMS_URL = ""
    workspace, contact = ws
    client.force_login(make_member(workspace, role="admin"))
    saved = client.post(
        f"/w/{workspace.slug}/escalation-protocols/new/",
        _form(contact, "5", **{"tiers-0-channels": ["email", "sms"]}),
        follow=True,
    )
    warning = "No SMS gateway is configured (ESCALATION_SMS_URL)"
    assert saved.content.decode().count(warning) == 2  # the flash message and the protocol
    protocol = EscalationProtocol.objects.get()
    edit = client.get(f"/w/{workspace.slug}/escalation-protocols/{protocol.pk}/edit/")
    assert warning in edit.content.decode()
    settings.ESCALATION_SMS_URL = "https://sms.example/send"
    assert warning not in client.get(f"/w/{workspace.slug}/escalation-protocols/").content.decode()


def test_protocol_pages_without_sms_show_no_warning(client, ws, make_member, settings):
    settings.ESCALATION_SMS_URL = ""
    workspace, contact = ws
    client.force_login(make_member(workspace, role="admin"))
    saved = client.post(
        f"/w/{workspace.slug}/escalation-protocols/new/", _form(contact, "5"), follow=True
    )
    assert "No SMS gateway" not in saved.content.decode()


def _logged_in_protocol(client, ws, make_member, tier: dict) -> EscalationProtocol:
    workspace, contact = ws
    admin = make_member(workspace, role="admin")
    client.force_login(admin)
    return services.protocol_create(
        workspace=workspace, values={"name": "P", "min_severity": 1},
        tiers=[{"contact_ids": [contact.pk], **tier}], by=admin,
    )  # fmt: skip


def test_protocol_history_and_list_describe_tiers_in_words(client, ws, make_member):
    workspace, _contact = ws
    tier = {"roles": ["crisis_team"], "channels": ["slack", "sms"], "wait_seconds": 60}
    protocol = _logged_in_protocol(client, ws, make_member, tier)
    history = client.get(
        f"/w/{workspace.slug}/escalation-protocols/{protocol.pk}/history/"
    ).content.decode()
    text = "Anna de Vries, Crisis team via Slack, SMS; wait 1 minute"
    assert f"Tier 1: {text}" in history
    assert "tiers[" not in history
    assert "60 s" not in history
    assert text in client.get(f"/w/{workspace.slug}/escalation-protocols/").content.decode()


def test_protocol_history_api_describes_tiers_in_words(client, ws, make_member):
    protocol = _logged_in_protocol(
        client, ws, make_member, {"channels": ["email"], "wait_seconds": 90}
    )
    versions = client.get(
        f"/api/escalation-protocols/{protocol.pk}/versions/", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    change = next(c for c in versions[0]["changes"] if c["field"] == "tiers[0]")
    assert change["label"] == "Tier 1"
    assert change["after"] == "Anna de Vries via E-mail; wait 90 seconds"


@pytest.mark.parametrize(
    ("url", "message"),
    [("/api/escalations/999999/", "Escalation not found."),
     ("/api/escalation-protocols/999999/", "Protocol not found."),
     ("/api/contacts/999999/", "Contact not found.")],
)  # fmt: skip
def test_missing_objects_are_404_in_words(ws, make_member, api_client_for, url, message):
    workspace, _contact = ws
    client = api_client_for(make_member(workspace, role="admin"))
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response.json()["detail"] == message


def test_acknowledgement_by_link_names_the_channel_in_words(
    ws, make_protocol, active_incident, settings
):
    from incidents.models import IncidentEvent

    workspace, contact = ws
    make_protocol(workspace, [{"contact_ids": [contact.pk], "channels": ["email"],
                               "wait_seconds": 600}])  # fmt: skip
    active_incident(workspace)
    services.escalation_runs_start_due(now=timezone.now())
    run = EscalationRun.objects.get()
    services.escalation_acknowledge_by_link(delivery=run.deliveries.get())
    event = IncidentEvent.objects.get(kind="acknowledgement")
    assert event.summary == (
        "Escalation acknowledged by Anna de Vries via the link in the message (E-mail)."
    )
    run.refresh_from_db()
    assert run.acknowledged_via == "email link"  # the stored code stays as it was
