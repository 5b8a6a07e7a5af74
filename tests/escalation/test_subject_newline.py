"""An incident title is attacker-reachable text: a newline in it must not break the e-mail
header (Django refuses such headers), so the subject is one line."""

from escalation.messages import message_compose


def test_title_with_newlines_gives_a_one_line_subject():
    message = message_compose(
        title="Storing\nBcc: victim@example.org\r\nbij de app",
        severity=3,
        workspace="Bank Noord",
        tier=1,
        tiers=2,
        ack_url="https://example.org/ack/x",
        language="en",
    )
    assert "\n" not in message.subject
    assert "\r" not in message.subject
    assert "Storing Bcc: victim@example.org bij de app" in message.subject
