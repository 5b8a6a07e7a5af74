"""Channel senders: real SMTP and HTTP, no ORM, no Celery (like monitoring/platforms).

Each sender raises ChannelError with a short reason on any failure (refused, timeout, non-2xx);
the caller records it and retries with backoff.
"""

import re
import smtplib
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.translation import gettext_noop

from monitoring.platforms.addresses import AddressRefused, AddressUnresolved, host_check


class ChannelError(Exception):
    pass


class ChannelRefused(ChannelError):
    """A send we refuse or cannot make (unsafe webhook URL, no SMS gateway): final, never
    retried."""


# Stored on the delivery in English and translated where it is shown ({% translate d.error %}).
SMS_NOT_CONFIGURED = gettext_noop("no SMS gateway configured (ESCALATION_SMS_URL)")


@dataclass(frozen=True)
class Message:
    subject: str
    text: str  # plain text body (e-mail, Teams)
    short: str  # SMS and Slack one-liner
    ack_url: str
    title: str
    severity_label: str


def _timeout() -> float:
    return float(settings.ESCALATION_HTTP_TIMEOUT)


def webhook_check(url: str) -> None:
    """Admins type webhook URLs: refuse anything but https to a public address, so a contact
    cannot make the worker call internal services (SSRF). Checked right before each send,
    on every address the name resolves to. ESCALATION_ALLOW_PRIVATE_WEBHOOKS turns the check
    off (local test servers, a gateway inside a private network)."""
    if settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS:
        return
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ChannelRefused(gettext_noop("refused: webhook URL must be https"))
    try:
        port = parts.port or 443
    except ValueError as exc:
        raise ChannelRefused(gettext_noop("refused: invalid port in webhook URL")) from exc
    try:
        host_check(parts.hostname, port)
    except AddressUnresolved as exc:
        raise ChannelError(str(exc)) from exc
    except AddressRefused as exc:
        raise ChannelRefused(gettext_noop("refused: private address")) from exc


def _post_json(url: str, payload: dict, headers: dict | None = None) -> None:
    try:
        # No redirects: a public webhook must not bounce the request to an internal address.
        response = requests.post(
            url, json=payload, headers=headers or {}, timeout=_timeout(), allow_redirects=False
        )
    except requests.Timeout as exc:
        raise ChannelError(f"timeout after {_timeout():g} s") from exc
    except requests.RequestException as exc:
        raise ChannelError(f"connection failed: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise ChannelError(f"HTTP {response.status_code}: {response.text[:200]}")


def email_send(*, to: str, message: Message) -> None:
    """Send through Django's mail backend (SMTP in production; EMAIL_* settings)."""
    try:
        connection = get_connection(timeout=_timeout())
        email = EmailMessage(
            subject=message.subject,
            body=message.text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[to],
            connection=connection,
        )
        if email.send() != 1:
            raise ChannelError(gettext_noop("the mail backend accepted no message"))
    except (smtplib.SMTPException, OSError, ValueError) as exc:  # ValueError: a bad header
        raise ChannelError(f"SMTP: {type(exc).__name__}: {str(exc)[:200]}") from exc


def sms_gateway_configured() -> bool:
    """False when ESCALATION_SMS_URL is unset: every SMS would fail."""
    return bool(settings.ESCALATION_SMS_URL)


def sms_send(*, to: str, message: Message) -> None:
    """POST {"to", "body"} as JSON to the SMS gateway with a bearer token. Without a gateway
    the failure is final (ChannelRefused): retrying cannot help until someone configures one."""
    url = settings.ESCALATION_SMS_URL
    if not url:
        raise ChannelRefused(SMS_NOT_CONFIGURED)
    headers = {}
    if settings.ESCALATION_SMS_TOKEN:
        headers["Authorization"] = f"Bearer {settings.ESCALATION_SMS_TOKEN}"
    _post_json(url, {"to": to, "body": message.short}, headers)


def slack_escape(text: str) -> str:
    """Slack's required escaping for message text (&, <, >)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_send(*, webhook_url: str, message: Message, member_id: str = "") -> None:
    """Slack incoming webhook: {"text": ...} with a link to acknowledge."""
    mention = f"<@{member_id}> " if member_id and member_id.isalnum() else ""
    link = f"<{message.ack_url}|{slack_escape(message.subject)}>"
    text = f"{mention}{slack_escape(message.short)}\n{link}"
    webhook_check(webhook_url)
    _post_json(webhook_url, {"text": text})


_TEAMS_MARKDOWN = re.compile(r"([\\`*_\[\]()#>~|<])")


def teams_escape(text: str) -> str:
    """Untrusted text for a Teams card, which renders Markdown: one line (so nothing in it
    starts a heading, list or quote) with every Markdown-significant character backslashed,
    so an incident title like "[click](https://evil.example)" shows as typed, not as a link."""
    return _TEAMS_MARKDOWN.sub(r"\\\1", " ".join(text.split()))


def teams_send(*, webhook_url: str, message: Message, ack_label: str) -> None:
    """Microsoft Teams incoming webhook: a MessageCard with an "open URI" action. Compose the
    message with escape=teams_escape: Teams renders the text as Markdown."""
    card = {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": message.subject,
        "themeColor": "C0392B",
        "title": message.subject,
        "text": message.text.replace("\n", "  \n"),
        "potentialAction": [
            {
                "@type": "OpenUri",
                "name": ack_label,
                "targets": [{"os": "default", "uri": message.ack_url}],
            }
        ],
    }
    webhook_check(webhook_url)
    _post_json(webhook_url, card)
