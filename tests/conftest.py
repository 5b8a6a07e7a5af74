"""Factory fixtures (OnCall style) and the API client helper."""

from collections.abc import Callable, Iterator

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests import factories
from workspaces.models import Membership, Workspace


@pytest.fixture(autouse=True)
def _sources_may_reach_private_urls() -> Iterator[None]:
    """Sources' tests answer from local servers and from `responses` under made-up names
    (there is no DNS here): the SSRF guard is off unless a test turns it on with the
    `settings` fixture (not asked for here: many tests name a parameter `settings`)."""
    with override_settings(SOURCES_ALLOW_PRIVATE_URLS=True):
        yield


@pytest.fixture
def make_workspace() -> Callable[..., Workspace]:
    def _make(**kwargs) -> Workspace:
        return factories.WorkspaceFactory(**kwargs)

    return _make


@pytest.fixture
def make_member(make_workspace) -> Callable[..., object]:
    """make_member(workspace, role="crisis_team") -> a user holding that role there."""

    def _make(workspace: Workspace | None = None, role: str = Membership.Role.CRISIS_TEAM, **kw):
        workspace = workspace or make_workspace()
        return factories.MembershipFactory(workspace=workspace, role=role, **kw).user

    return _make


@pytest.fixture
def api_client_for() -> Callable[..., APIClient]:
    """api_client_for(user) -> an APIClient authenticated as that user (None: anonymous)."""

    def _make(user=None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user=user)
        return client

    return _make
