"""Create the demo organisation: workspace, one user per role, demo sources and a rule."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from escalation.demo import escalation_seed_demo
from monitoring.models import AlertRule, Source, WatchTerm
from monitoring.services import alert_rule_create, source_create, watch_term_create
from statements.services.templates import workspace_content_install
from workspaces.models import Membership, Workspace
from workspaces.services import membership_set, workspace_create

DEMO_SLUG = "bank-noord"
DEMO_PASSWORD = "crisis-demo-2026"  # noqa: S105 (public demo accounts, local only)
DEMO_TERMS = ['"Bank Noord" OR banknoord', '"North Bank" OR northbank']
DEMO_RULES = [
    (AlertRule.Kind.NEGATIVE_BURST, "Negatieve golf / negative burst",
     {"threshold": 8, "window_minutes": 2}, 3),
    (AlertRule.Kind.RISK_TERMS, "Risicotermen / risk terms", {"window_minutes": 10}, 5),
    (AlertRule.Kind.HIGH_REACH, "Groot bereik / high reach",
     {"min_followers": 50_000, "window_minutes": 10}, 5),
]  # fmt: skip
DEMO_USERS = {
    "team": Membership.Role.CRISIS_TEAM,
    "comms": Membership.Role.COMMUNICATIONS,
    "admin": Membership.Role.ADMIN,
}


class Command(BaseCommand):
    help = (
        "Seed the demo workspace: users (one per role), watch terms, demo feeds, an alert rule. "
        "Idempotent."
    )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        workspace = Workspace.objects.filter(slug=DEMO_SLUG).first() or workspace_create(
            slug=DEMO_SLUG, name="Bank Noord (demo)"
        )
        User = get_user_model()
        for username, role in DEMO_USERS.items():
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create_user(username=username, password=DEMO_PASSWORD)
            if not user.email:  # escalations page people by e-mail (console backend in demo)
                user.email = f"{username}@bank-noord.example"
                user.save(update_fields=["email"])
            membership_set(user=user, workspace=workspace, role=role)
        for scenario, name in (("nl", "Demo-feed (NL)"), ("en", "Demo feed (EN)")):
            if not Source.objects.filter(workspace=workspace, name=name).exists():
                source_create(
                    workspace_id=workspace.pk,
                    name=name,
                    platform="demo",
                    settings={"scenario": scenario},
                    interval=3,
                )
        for query in DEMO_TERMS:
            if not WatchTerm.objects.filter(workspace=workspace, query=query).exists():
                watch_term_create(workspace_id=workspace.pk, query=query)
        for kind, name, params, cooldown in DEMO_RULES:
            if not AlertRule.objects.filter(workspace=workspace, kind=kind).exists():
                alert_rule_create(
                    workspace_id=workspace.pk,
                    name=name,
                    kind=kind,
                    params=params,
                    cooldown_minutes=cooldown,
                )
        escalation_seed_demo(workspace=workspace)  # contacts and an escalation protocol
        workspace_content_install(workspace=workspace)
        self.stdout.write(f"Demo workspace '{workspace.slug}' ready.")
        for username, role in DEMO_USERS.items():
            self.stdout.write(f"  login {username} / {DEMO_PASSWORD}  ({role})")
