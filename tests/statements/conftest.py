"""Fixtures for statements tests: a workspace with an incident, writers and approvers."""

from collections.abc import Callable

import pytest
from django.utils import timezone

from incidents.models import Claim, Incident
from statements.models import Statement
from statements.services.drafting import statement_create
from tests import factories
from workspaces.models import Membership, Workspace

PASSWORD = "pw-for-tests-123"  # tests.factories.UserFactory's password


@pytest.fixture
def workspace() -> Workspace:
    return factories.WorkspaceFactory()


@pytest.fixture
def incident(workspace) -> Incident:
    return Incident.objects.create(
        workspace=workspace, title="App storing", status="active", opened_at=timezone.now()
    )


@pytest.fixture
def comms(make_member, workspace):
    return make_member(workspace, role=Membership.Role.COMMUNICATIONS)


@pytest.fixture
def comms2(make_member, workspace):
    return make_member(workspace, role=Membership.Role.COMMUNICATIONS)


@pytest.fixture
def team(make_member, workspace):
    return make_member(workspace, role=Membership.Role.CRISIS_TEAM)


@pytest.fixture
def admin(make_member, workspace):
    return make_member(workspace, role=Membership.Role.ADMIN)


@pytest.fixture
def confirmed_claim(incident) -> Claim:
    now = timezone.now()
    return Claim.objects.create(
        incident=incident,
        text="Inloggen lukt sinds 14:00 niet",
        status=Claim.Status.CONFIRMED,
        created_at=now,
        verified_at=now,
    )


FULL_TEXT = (
    "Het spijt ons: sinds 14:00 kunnen 2.000 klanten niet inloggen in de app. "
    "We houden u op de hoogte via https://banknoord.example/status"
)


@pytest.fixture
def make_statement(incident, comms) -> Callable[..., Statement]:
    def _make(by=None, variants=None, **kwargs) -> Statement:
        return statement_create(
            incident=incident,
            by=by or comms,
            title=kwargs.pop("title", "Eerste reactie"),
            language="nl",
            variants=variants or {"x": FULL_TEXT, "website": FULL_TEXT},
            **kwargs,
        )

    return _make


@pytest.fixture(autouse=True)
def _english(settings):
    """Messages are asserted in English; the Dutch ones are checked where it matters."""
    settings.LANGUAGE_CODE = "en"
