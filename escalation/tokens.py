"""Signed, expiring acknowledge links (django.core.signing.TimestampSigner)."""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from escalation.exceptions import AckLinkExpired, AckLinkInvalid

SALT = "escalation.ack"


def ack_token_make(*, delivery_id: int) -> str:
    return signing.TimestampSigner(salt=SALT).sign_object({"d": delivery_id})


def ack_token_read(token: str) -> int:
    """The delivery id in a token; AckLinkExpired (410) if too old, AckLinkInvalid (400) if
    tampered or malformed."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        value = signer.unsign_object(token, max_age=settings.ESCALATION_ACK_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise AckLinkExpired(_("This acknowledge link has expired.")) from exc
    except (signing.BadSignature, ValueError, UnicodeDecodeError) as exc:
        raise AckLinkInvalid(_("This acknowledge link is not valid.")) from exc
    if not isinstance(value, dict) or not isinstance(value.get("d"), int):
        raise AckLinkInvalid(_("This acknowledge link is not valid."))
    return value["d"]


def ack_url(*, delivery_id: int) -> str:
    path = reverse("escalation-ack", kwargs={"token": ack_token_make(delivery_id=delivery_id)})
    return settings.ESCALATION_BASE_URL.rstrip("/") + path
