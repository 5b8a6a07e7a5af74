"""Fixtures for the incident tests: a workspace with one member per role and an incident."""

from types import SimpleNamespace

import pytest

from incidents import services
from tests import factories
from workspaces.models import Membership


@pytest.fixture
def crew(db):
    """A workspace with team/comms/admin members, an outsider, and an incident started from
    the data-leak playbook."""
    from playbooks.services import playbooks_install_defaults

    workspace = factories.WorkspaceFactory()
    other = factories.WorkspaceFactory()
    team = factories.MembershipFactory(workspace=workspace, role=Membership.Role.CRISIS_TEAM).user
    comms = factories.MembershipFactory(
        workspace=workspace, role=Membership.Role.COMMUNICATIONS
    ).user
    admin = factories.MembershipFactory(workspace=workspace, role=Membership.Role.ADMIN).user
    outsider = factories.MembershipFactory(workspace=other).user
    playbooks_install_defaults(workspace=workspace)
    incident = services.incident_create(
        workspace=workspace,
        by=team,
        new=services.IncidentNew(title="Datalek", severity=3, scenario="data_leak", language="nl"),
    )
    return SimpleNamespace(
        workspace=workspace, other=other, team=team, comms=comms, admin=admin,
        outsider=outsider, incident=incident,
    )  # fmt: skip
