"""Demo data for `seed_demo`: a few contacts (one overdue for checking) and a protocol."""

from datetime import timedelta

from django.utils import timezone

from contacts.models import Contact
from contacts.services import contact_create
from escalation.models import EscalationProtocol
from escalation.services import protocol_create
from workspaces.models import Workspace

DEMO_CONTACTS = [
    {"kind": "communications", "name": "Eva Jansen", "role_title": "Hoofd communicatie",
     "email": "eva@banknoord.example", "phone": "+31612345001", "preferred_channels": ["email"]},
    {"kind": "legal", "name": "Mark de Boer", "role_title": "Jurist",
     "email": "mark@banknoord.example", "phone": "+31612345002",
     "availability": [{"days": [0, 1, 2, 3, 4], "start": "08:00", "end": "18:00"}]},
    {"kind": "dpa", "name": "Autoriteit Persoonsgegevens", "organisation": "AP",
     "phone": "+31708888500", "verified_days_ago": 120},
]  # fmt: skip


def escalation_seed_demo(*, workspace: Workspace) -> None:
    """Idempotent: create the demo contacts and a severity-3 protocol if missing."""
    today = timezone.localdate()
    contacts = []
    for data in DEMO_CONTACTS:
        data = dict(data)
        days = data.pop("verified_days_ago", 10)
        existing = Contact.objects.filter(workspace=workspace, name=data["name"]).first()
        contacts.append(
            existing
            or contact_create(
                workspace=workspace, data={**data, "last_verified_at": today - timedelta(days=days)}
            )
        )
    if not EscalationProtocol.objects.filter(workspace=workspace).exists():
        protocol_create(
            workspace=workspace,
            values={"name": "Crisis (ernst 3+)", "min_severity": 3, "language": "nl"},
            tiers=[
                {
                    "contact_ids": [contacts[0].pk],
                    "roles": ["crisis_team"],
                    "channels": ["email"],
                    "wait_seconds": 600,
                },
                {
                    "contact_ids": [contacts[1].pk],
                    "roles": ["admin"],
                    "channels": ["email", "sms"],
                    "wait_seconds": 900,
                },
            ],
            by=None,
        )
