"""Starting an escalation looks up its recipients in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from escalation import services
from escalation.models import Delivery

pytestmark = pytest.mark.django_db


def _workspace_with_team(make_workspace, make_member, make_contact, make_protocol, size: int):
    """A workspace whose protocol alerts `size` named contacts (each a workspace user) and
    every crisis-team member, of whom there are `size`, each linked to a contact."""
    workspace = make_workspace()
    named = []
    for i in range(size):
        user = make_member(workspace, role="communications")
        named.append(
            make_contact(workspace, name=f"Named {i}", email=f"n{i}@example.org", user=user)
        )
        member = make_member(workspace, role="crisis_team")
        make_contact(workspace, name=f"Member {i}", email=f"m{i}@example.org", user=member)
    make_protocol(
        workspace,
        [{"contact_ids": [c.pk for c in named], "roles": ["crisis_team"], "channels": ["email"],
          "wait_seconds": 60}],
    )  # fmt: skip
    return workspace


def test_run_start_finds_member_contacts_in_fixed_queries(
    make_workspace, make_member, make_contact, make_protocol, active_incident,
    django_assert_max_num_queries,
):  # fmt: skip
    small = _workspace_with_team(make_workspace, make_member, make_contact, make_protocol, 1)
    active_incident(small)
    with CaptureQueriesContext(connection) as ctx:
        services.escalation_runs_start_due(now=timezone.now())
    large = _workspace_with_team(make_workspace, make_member, make_contact, make_protocol, 8)
    active_incident(large)
    with django_assert_max_num_queries(len(ctx.captured_queries)):
        services.escalation_runs_start_due(now=timezone.now())
    recipients = Delivery.objects.filter(run__workspace=large).values_list("recipient", "target")
    assert sorted(recipients) == sorted(
        [(f"Named {i}", f"n{i}@example.org") for i in range(8)]
        + [(f"Member {i}", f"m{i}@example.org") for i in range(8)]
    )
