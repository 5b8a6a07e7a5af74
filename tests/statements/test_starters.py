"""Starter templates come with the workspace, so opening a page never writes them."""

import importlib

import pytest
from django.apps import apps

from playbooks.models import Playbook
from statements.models import StatementTemplate
from statements.starter_templates import STARTERS
from tests import factories
from workspaces.models import Membership, Workspace

pytestmark = pytest.mark.django_db


def test_statement_pages_write_nothing(client, workspace, incident, comms):
    client.force_login(comms)
    assert client.get(f"/incidents/{incident.pk}/statements/").status_code == 200
    assert client.get(f"/statements/templates/?workspace={workspace.slug}").status_code == 200
    assert not StatementTemplate.objects.filter(workspace=workspace).exists()


def test_workspace_added_in_the_admin_has_the_starters_when_first_opened(client, django_user_model):
    operator = django_user_model.objects.create_superuser("op", password="pw-for-tests-123")
    client.force_login(operator)
    response = client.post(
        "/admin/workspaces/workspace/add/",
        {
            "name": "Bank Zuid", "slug": "bank-zuid",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    workspace = Workspace.objects.get(slug="bank-zuid")
    starters = StatementTemplate.objects.filter(workspace=workspace, is_starter=True)
    assert starters.count() == len(STARTERS) == 8
    assert Playbook.objects.filter(workspace=workspace).exists()

    member = factories.MembershipFactory(
        workspace=workspace, role=Membership.Role.COMMUNICATIONS
    ).user
    client.force_login(member)
    page = client.get(f"/statements/templates/?workspace={workspace.slug}").content.decode()
    assert "Reactie op berichtgeving" in page  # the Dutch news-coverage starter
    assert starters.count() == 8


def test_migration_gives_the_starters_to_workspaces_without_templates(workspace):
    custom = factories.WorkspaceFactory()
    StatementTemplate.objects.create(
        workspace=custom, scenario="data_leak", language="nl", title="Eigen", body="Tekst"
    )
    migration = importlib.import_module("statements.migrations.0002_install_starter_templates")
    migration.install_starters(apps, None)
    migration.install_starters(apps, None)  # a second run finds nothing empty
    assert StatementTemplate.objects.filter(workspace=workspace, is_starter=True).count() == 8
    assert list(
        StatementTemplate.objects.filter(workspace=custom).values_list("title", flat=True)
    ) == ["Eigen"]
