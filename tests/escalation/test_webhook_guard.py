"""SSRF guard: webhook URLs typed by admins are only sent to over https to public addresses.
A refused URL is a final delivery error and no request leaves the worker (a real local HTTP
server proves nothing arrived)."""

import pytest
from django.utils import timezone

from escalation.channels import ChannelError, ChannelRefused, webhook_check
from escalation.models import Delivery
from tests.escalation.helpers import tick_in_process

pytestmark = pytest.mark.django_db


@pytest.fixture
def guarded(settings):
    settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS = False
    settings.ESCALATION_MAX_ATTEMPTS = 5


def _run_with(
    make_workspace, make_contact, make_protocol, active_incident, channel: str, url: str
) -> None:
    workspace = make_workspace()
    field = "slack_webhook_url" if channel == "slack" else "teams_webhook_url"
    contact = make_contact(workspace, **{field: url})
    make_protocol(
        workspace, [{"contact_ids": [contact.pk], "channels": [channel], "wait_seconds": 600}]
    )
    active_incident(workspace)


@pytest.mark.parametrize("channel", ["slack", "teams"])
def test_plain_http_loopback_webhook_is_refused_without_a_request(
    channel, http_server, guarded, make_workspace, make_contact, make_protocol, active_incident
):
    _run_with(make_workspace, make_contact, make_protocol, active_incident, channel,
              http_server.url + "/hook")  # fmt: skip
    tick_in_process(timezone.now())
    delivery = Delivery.objects.get(channel=channel)
    assert (delivery.status, delivery.attempts) == ("failed", 1)  # final: never retried
    assert delivery.error == "refused: webhook URL must be https"
    assert http_server.requests == []


@pytest.mark.parametrize("channel", ["slack", "teams"])
def test_https_to_loopback_is_refused_as_private_address(
    channel, http_server, guarded, make_workspace, make_contact, make_protocol, active_incident
):
    port = http_server.url.rsplit(":", 1)[1]
    _run_with(make_workspace, make_contact, make_protocol, active_incident, channel,
              f"https://localhost:{port}/hook")  # fmt: skip
    tick_in_process(timezone.now())
    delivery = Delivery.objects.get(channel=channel)
    assert (delivery.status, delivery.error) == ("failed", "refused: private address")
    assert http_server.requests == []


def test_same_url_is_sent_when_the_setting_allows_private_webhooks(
    http_server, settings, make_workspace, make_contact, make_protocol, active_incident
):
    settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS = True
    _run_with(make_workspace, make_contact, make_protocol, active_incident, "slack",
              http_server.url + "/hook")  # fmt: skip
    tick_in_process(timezone.now())
    assert Delivery.objects.get(channel="slack").status == "sent"
    assert len(http_server.bodies("/hook")) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.9/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",  # cloud metadata
        "https://100.64.0.1/hook",  # carrier-grade NAT
        "https://0.0.0.0/hook",
        "https://240.0.0.1/hook",  # reserved
        "https://224.0.0.1/hook",  # multicast
        "https://[::1]/hook",
        "https://[fe80::1]/hook",
        "https://[fd00::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",  # IPv4-mapped loopback
        "https://2130706433/hook",  # 127.0.0.1 as one decimal number
        "https://localhost/hook",
    ],
)
def test_private_loopback_link_local_and_reserved_addresses_are_refused(url, settings):
    settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS = False
    with pytest.raises(ChannelRefused, match="refused: private address"):
        webhook_check(url)


@pytest.mark.parametrize(
    "url", ["http://93.184.215.14/hook", "ftp://93.184.215.14/x", "https:///nohost", "hooks"]
)
def test_non_https_or_hostless_urls_are_refused(url, settings):
    settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS = False
    with pytest.raises(ChannelRefused, match="must be https"):
        webhook_check(url)


def test_public_https_address_passes(settings):
    settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS = False
    webhook_check("https://93.184.215.14/services/T000/B000/XXXX")  # a literal: no DNS needed


def test_unresolvable_host_is_a_retryable_error_not_a_refusal(settings):
    settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS = False
    with pytest.raises(ChannelError) as caught:
        webhook_check("https://no-such-host.invalid/hook")
    assert not isinstance(caught.value, ChannelRefused)
