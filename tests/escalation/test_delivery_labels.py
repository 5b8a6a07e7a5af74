"""What the Escalations page says about skipped deliveries and protocol roles is in the
reader's language (the stored reason is a fixed English text, translated when shown)."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from escalation.models import Delivery

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("stored", "dutch"),
    [
        ("outside availability window", "buiten het beschikbaarheidsvenster"),
        ("no address for the tier's channels", "geen adres voor de kanalen van dit niveau"),
        ("SMTP 550 <b>mailbox unavailable</b>", "SMTP 550 &lt;b&gt;mailbox unavailable&lt;/b&gt;"),
    ],
)
def test_delivery_errors_are_shown_in_dutch_and_escaped(stored, dutch):
    delivery = Delivery(
        channel="email", target="x@example.org", status=Delivery.Status.SKIPPED, error=stored
    )
    with translation.override("nl"):
        html = render_to_string("escalation/_deliveries.html", {"deliveries": [delivery]})
    assert dutch in html
