"""Local network endpoints for the channel tests: a real SMTP server (aiosmtpd) and a real
HTTP server (http.server) that record what they receive; plus escalation factories."""

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from contacts.models import Contact
from escalation import services
from incidents.models import Incident
from tests.factories import IncidentFactory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpRecorder:
    messages: list = field(default_factory=list)
    refuse: bool = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            {"to": envelope.rcpt_tos, "data": envelope.content.decode("utf-8", "replace")}
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings) -> Iterator[SmtpRecorder]:
    """A real SMTP server on loopback; Django's SMTP backend pointed at it."""
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    try:
        yield recorder
    finally:
        controller.stop()


@dataclass
class HttpRecorder:
    url: str = ""
    requests: list = field(default_factory=list)
    status: dict = field(default_factory=dict)  # path -> status code to answer
    delay: dict = field(default_factory=dict)  # path -> seconds to wait before answering

    def bodies(self, path: str) -> list:
        return [r["json"] for r in self.requests if r["path"] == path]


@pytest.fixture
def http_server(settings) -> Iterator[HttpRecorder]:
    """A real HTTP server on loopback recording JSON POSTs (SMS gateway, Slack, Teams)."""
    recorder = HttpRecorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            recorder.requests.append(
                {"path": self.path, "json": json.loads(body or b"null"),
                 "auth": self.headers.get("Authorization", "")}
            )  # fmt: skip
            time.sleep(recorder.delay.get(self.path, 0))
            status = recorder.status.get(self.path, 200)
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok" if status < 300 else b"no")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    recorder.url = f"http://127.0.0.1:{server.server_address[1]}"
    settings.ESCALATION_SMS_URL = recorder.url + "/sms"
    settings.ESCALATION_SMS_TOKEN = "sms-token"
    settings.ESCALATION_HTTP_TIMEOUT = 1.0
    settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS = True  # the recorder is plain http on loopback
    try:
        yield recorder
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def make_contact():
    def _make(workspace, **kwargs) -> Contact:
        values = {"kind": Contact.Kind.COMMUNICATIONS, "name": "Anna de Vries",
                  "email": "anna@example.org", "phone": "+31612345678"}  # fmt: skip
        values.update(kwargs)
        return Contact.objects.create(workspace=workspace, **values)

    return _make


@pytest.fixture
def make_protocol(admin_user_for):
    """make_protocol(workspace, tiers=[{contact_ids, roles, channels, wait_seconds}], ...)"""

    def _make(workspace, tiers, **values):
        values = {"name": "Crisis", "min_severity": 1, "language": "en", **values}
        return services.protocol_create(
            workspace=workspace, values=values, tiers=tiers, by=admin_user_for(workspace)
        )

    return _make


@pytest.fixture
def admin_user_for(make_member):
    def _make(workspace):
        return make_member(workspace, role="admin")

    return _make


@pytest.fixture
def active_incident():
    def _make(workspace, **kwargs) -> Incident:
        return IncidentFactory(
            workspace=workspace, status=Incident.Status.ACTIVE,
            title=kwargs.pop("title", "Bank app outage"), severity=kwargs.pop("severity", 3),
            **kwargs,
        )  # fmt: skip

    return _make


@pytest.fixture(autouse=True)
def _english_by_default(settings) -> None:
    # Assertions read English messages; the Dutch path is tested explicitly.
    settings.LANGUAGE_CODE = "en"
