"""factory_boy factories for the domain models."""

from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from incidents.models import Incident
from monitoring.credentials import credentials_encrypt
from monitoring.models import Alert, AlertRule, Mention, Source, WatchTerm
from workspaces.models import Membership, Workspace


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.django.Password("pw-for-tests-123")


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    slug = factory.Sequence(lambda n: f"ws-{n}")
    name = factory.Sequence(lambda n: f"Workspace {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    role = Membership.Role.CRISIS_TEAM


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Source {n}")
    platform = "demo"
    settings = factory.LazyFunction(lambda: {"scenario": "nl"})
    poll_interval_seconds = 5


def searching_source(
    platform: str, settings: dict, credentials: dict[str, str], query: str = '"Bank Noord"'
) -> Source:
    """A source as stored (credentials encrypted, nothing checked on save) in a new workspace
    with one watch term to search for."""
    workspace = WorkspaceFactory()
    WatchTerm.objects.create(workspace=workspace, query=query)
    return SourceFactory(
        workspace=workspace,
        platform=platform,
        settings=settings,
        credentials_encrypted=credentials_encrypt(credentials),
    )


class MentionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Mention

    workspace = factory.SubFactory(WorkspaceFactory)
    platform = "x"
    external_id = factory.Sequence(lambda n: f"ext-{n}")
    url = factory.LazyAttribute(lambda o: f"https://x.com/i/status/{o.external_id}")
    author_handle = "someone"
    text = "Bank Noord app is down again"
    language = "en"
    posted_at = factory.LazyFunction(lambda: timezone.now() - timedelta(seconds=30))
    fetched_at = factory.LazyFunction(timezone.now)
    sentiment_compound = -0.5


class AlertRuleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AlertRule

    workspace = factory.SubFactory(WorkspaceFactory)
    kind = AlertRule.Kind.NEGATIVE_BURST
    name = "Negative burst"
    params = factory.LazyFunction(lambda: {"threshold": 3, "window_minutes": 5})
    cooldown_minutes = 10


class AlertFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alert

    workspace = factory.SubFactory(WorkspaceFactory)
    rule_kind = AlertRule.Kind.NEGATIVE_BURST
    details = factory.LazyFunction(lambda: {"observed": 5, "threshold": 3, "window_minutes": 5})
    created_at = factory.LazyFunction(timezone.now)


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Incident

    workspace = factory.SubFactory(WorkspaceFactory)
    title = "App outage"
    opened_at = factory.LazyFunction(timezone.now)
