"""The incident API: role rights endpoint by endpoint, bad payloads, output fields."""

from types import SimpleNamespace

import pytest

from incidents import services
from incidents.models import Claim, Incident, IncidentEvent, IncidentTask
from tests import factories

pytestmark = pytest.mark.django_db

RUN = {"team": True, "admin": True, "comms": False}
FACTS = {"team": True, "admin": True, "comms": True}


def _call(crew, api_client_for, who: str, method: str, path: str, body: dict | None = None):
    user = getattr(crew, who)
    url = path.format(i=crew.incident.pk, ws=crew.workspace.slug)
    return getattr(api_client_for(user), method)(url, body or {}, format="json")


def _task(crew) -> IncidentTask:
    return crew.incident.tasks.order_by("position").first()


WRITES = [
    # (name, method, path, body builder, allowed roles, success status)
    ("create", "post", "/api/incidents/", lambda c: {"workspace": c.workspace.slug, "title": "T"},
     RUN, 201),
    ("patch", "patch", "/api/incidents/{i}/", lambda c: {"severity": 4}, RUN, 200),
    ("transition", "post", "/api/incidents/{i}/transition/", lambda c: {"status": "monitoring"},
     RUN, 200),
    ("commander", "post", "/api/incidents/{i}/commander/", lambda c: {"user_id": c.team.pk},
     RUN, 200),
    ("attach", "post", "/api/incidents/{i}/mentions/",
     lambda c: {"mention_ids": [factories.MentionFactory(workspace=c.workspace).pk]}, RUN, 200),
    ("note", "post", "/api/incidents/{i}/notes/", lambda c: {"text": "Called the AP"}, FACTS, 201),
    ("claim", "post", "/api/incidents/{i}/claims/", lambda c: {"text": "500 customers"}, FACTS,
     201),
    ("response", "post", "/api/incidents/{i}/response/", lambda c: {"url": "https://x.com/a/1"},
     RUN, 200),
    ("task_done", "post", None, None, RUN, 200),
]  # fmt: skip


@pytest.mark.parametrize("who", ["team", "admin", "comms"])
@pytest.mark.parametrize(("name", "method", "path", "body", "roles", "ok"), WRITES)
def test_incident_api_write_rights_per_role(
    crew, api_client_for, who, name, method, path, body, roles, ok
):
    if name == "task_done":
        path, payload = f"/api/incidents/{{i}}/tasks/{_task(crew).pk}/complete/", {}
    else:
        payload = body(crew)
    response = _call(crew, api_client_for, who, method, path, payload)
    if roles[who]:
        assert response.status_code == ok, response.content
    else:
        assert response.status_code == 403
        assert response.json()["role"] == "communications"


@pytest.mark.parametrize(
    "path",
    [
        "/api/incidents/{i}/", "/api/incidents/{i}/timeline/", "/api/incidents/{i}/claims/",
        "/api/incidents/{i}/tasks/", "/api/incidents/{i}/mentions/",
    ],
)  # fmt: skip
def test_incident_api_reads_for_every_role_and_404_for_non_members(crew, api_client_for, path):
    for who in ("team", "admin", "comms"):
        assert _call(crew, api_client_for, who, "get", path).status_code == 200
    assert _call(crew, api_client_for, "outsider", "get", path).status_code == 404
    assert _call(crew, api_client_for, "outsider", "post", path + "x/").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("patch", "/api/incidents/{i}/", {"severity": 2}),
        ("post", "/api/incidents/{i}/transition/", {"status": "monitoring"}),
        ("post", "/api/incidents/{i}/notes/", {"text": "x"}),
        ("post", "/api/incidents/{i}/claims/", {"text": "x"}),
        ("post", "/api/incidents/{i}/mentions/", {"mention_ids": [1]}),
        ("post", "/api/incidents/{i}/mentions/detach/", {"mention_ids": [1]}),
        ("post", "/api/incidents/{i}/response/", {"url": "https://a.b/"}),
        ("post", "/api/incidents/", {"workspace": "{ws}", "title": "x"}),
    ],
)
def test_incident_api_writes_are_404_for_non_members(crew, api_client_for, method, path, body):
    body = {k: (v.format(ws=crew.workspace.slug) if isinstance(v, str) else v)
            for k, v in body.items()}  # fmt: skip
    assert _call(crew, api_client_for, "outsider", method, path, body).status_code == 404


def test_incident_list_and_detail_carry_the_dashboard_fields(crew, api_client_for):
    from incidents.models import Incident

    Incident.objects.filter(pk=crew.incident.pk).update(commander=crew.team)
    IncidentTask.objects.filter(pk=_task(crew).pk).update(due_at=crew.incident.opened_at)
    client = api_client_for(crew.comms)
    listed = client.get(f"/api/incidents/?workspace={crew.workspace.slug}").json()["results"][0]
    detail = client.get(f"/api/incidents/{crew.incident.pk}/").json()
    for data in (listed, detail):
        for key in ("status", "severity", "commander", "response_due_at", "response_at",
                    "overdue_tasks", "opened_at", "title"):  # fmt: skip
            assert key in data
        assert data["commander"] == crew.team.username
        assert data["overdue_tasks"] == 1
        assert data["status"] == "active"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/incidents/{i}/transition/", {"status": "triage"}, "allowed"),
        ("/api/incidents/{i}/transition/", {"status": "nope"}, "status"),
        ("/api/incidents/{i}/mentions/", {"mention_ids": []}, "mention_ids"),
        ("/api/incidents/{i}/mentions/", {"mention_ids": ["x"]}, "mention_ids"),
        ("/api/incidents/{i}/notes/", {"text": ""}, "text"),
        ("/api/incidents/{i}/claims/", {"text": "x", "status": "maybe"}, "status"),
        ("/api/incidents/{i}/commander/", {"user_id": 999999}, "detail"),
        ("/api/incidents/{i}/response/", {"url": "javascript:alert(1)"}, "url"),
        ("/api/incidents/", {"workspace": "{ws}", "title": "x", "severity": 9}, "severity"),
        ("/api/incidents/", {"workspace": "{ws}", "title": "x", "scenario": "alien"}, "scenario"),
    ],
)
def test_incident_api_bad_payloads_are_400_with_reasons(crew, api_client_for, path, body, field):
    body = {k: (v.format(ws=crew.workspace.slug) if isinstance(v, str) else v)
            for k, v in body.items()}  # fmt: skip
    response = _call(crew, api_client_for, "team", "post", path, body)
    assert response.status_code == 400
    assert field in response.json()


def test_attach_mentions_of_another_workspace_is_400(crew, api_client_for):
    foreign = factories.MentionFactory(workspace=crew.other)
    response = _call(
        crew, api_client_for, "team", "post", "/api/incidents/{i}/mentions/",
        {"mention_ids": [foreign.pk]},
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["mention_ids"] == [foreign.pk]


def test_claim_verification_is_recorded_and_every_change_on_the_timeline(crew, api_client_for):
    mention = factories.MentionFactory(workspace=crew.workspace)
    created = _call(
        crew, api_client_for, "comms", "post", "/api/incidents/{i}/claims/",
        {"text": "Passwords leaked", "status": "rumour", "mention_ids": [mention.pk]},
    ).json()  # fmt: skip
    assert created["verified_by"] is None
    assert created["mention_ids"] == [mention.pk]
    path = f"/api/incidents/{{i}}/claims/{created['id']}/"
    updated = _call(crew, api_client_for, "team", "patch", path, {"status": "false"}).json()
    assert updated["verified_by"] == crew.team.username
    assert updated["verified_at"] is not None
    back = _call(crew, api_client_for, "team", "patch", path, {"status": "unknown"}).json()
    assert back["verified_by"] is None
    confirmed = _call(crew, api_client_for, "admin", "patch", path, {"status": "confirmed"})
    assert confirmed.status_code == 200
    from incidents.selectors import incident_confirmed_facts

    assert [c.text for c in incident_confirmed_facts(incident=crew.incident)] == [
        "Passwords leaked"
    ]
    claim_events = crew.incident.events.filter(kind=IncidentEvent.Kind.CLAIM)
    assert claim_events.count() == 4
    other_claim = Claim.objects.create(
        incident=factories.IncidentFactory(workspace=crew.other), text="x",
        created_at=crew.incident.opened_at,
    )  # fmt: skip
    wrong = f"/api/incidents/{{i}}/claims/{other_claim.pk}/"
    assert _call(crew, api_client_for, "team", "patch", wrong, {"status": "false"}).status_code == (
        404
    )


def test_task_complete_checklist_and_assign(crew, api_client_for):
    task = _task(crew)
    base = f"/api/incidents/{{i}}/tasks/{task.pk}/"
    ticks = [True] + [False] * (len(task.checklist) - 1)
    response = _call(crew, api_client_for, "team", "patch", base, {"checklist": ticks})
    assert [i["done"] for i in response.json()["checklist"]] == ticks
    bad = _call(crew, api_client_for, "team", "patch", base, {"checklist": [True] * 9})
    assert bad.status_code == 400
    assign = _call(crew, api_client_for, "team", "patch", base, {"assignee_id": crew.outsider.pk})
    assert assign.status_code == 400
    assign = _call(crew, api_client_for, "team", "patch", base, {"assignee_id": crew.comms.pk})
    assert assign.json()["assignee"] == crew.comms.username
    done = _call(crew, api_client_for, "team", "post", base + "complete/")
    assert done.status_code == 200
    assert done.json()["done_by"] == crew.team.username
    assert _call(crew, api_client_for, "team", "post", base + "complete/").status_code == 409
    events = crew.incident.events.filter(kind=IncidentEvent.Kind.TASK)
    assert sorted(events.values_list("data__action", flat=True)) == ["assigned", "done"]


def test_timeline_is_newest_first_and_paginated(crew, api_client_for):
    for n in range(5):
        _call(crew, api_client_for, "team", "post", "/api/incidents/{i}/notes/", {"text": f"n{n}"})
    page = _call(
        crew, api_client_for, "team", "get", "/api/incidents/{i}/timeline/?page_size=2"
    ).json()
    assert [e["summary"] for e in page["results"]] == ["n4", "n3"]
    assert page["count"] == 6
    assert page["next"]
    bad = _call(crew, api_client_for, "team", "get", "/api/incidents/{i}/timeline/?page_size=0")
    assert bad.status_code == 400


def test_response_clock_policy_api_admin_only(crew, api_client_for):
    url = "/api/response-clock/"
    body = {"workspace": crew.workspace.slug, "minutes": {"3": 30}}
    assert api_client_for(crew.team).post(url, body, format="json").status_code == 403
    assert api_client_for(crew.outsider).post(url, body, format="json").status_code == 404
    ok = api_client_for(crew.admin).post(url, body, format="json")
    assert ok.json()["minutes"] == {"1": 60, "2": 60, "3": 30, "4": 60}
    bad = api_client_for(crew.admin).post(
        url, {"workspace": crew.workspace.slug, "minutes": {"7": 30}}, format="json"
    )
    assert bad.status_code == 400
    read = api_client_for(crew.comms).get(url + f"?workspace={crew.workspace.slug}")
    assert read.json()["minutes"]["3"] == 30


REVIEWED_WRITES = [
    # (method, path and body for (crew, prepared rows): see _prepare)
    ("post", lambda c, x: ("/api/incidents/{i}/notes/", {"text": "Late note"})),
    ("post", lambda c, x: ("/api/incidents/{i}/claims/", {"text": "New"})),
    ("patch", lambda c, x: (f"/api/incidents/{{i}}/claims/{x.claim.pk}/",
                            {"status": "false", "text": "Rewritten"})),
    ("patch", lambda c, x: (f"/api/incidents/{{i}}/tasks/{x.task.pk}/",
                            {"checklist": [True] * len(x.task.checklist),
                             "assignee_id": c.comms.pk})),
    ("post", lambda c, x: (f"/api/incidents/{{i}}/tasks/{x.task.pk}/complete/", {})),
    ("post", lambda c, x: ("/api/incidents/{i}/mentions/", {"mention_ids": [x.free.pk]})),
    ("post", lambda c, x: ("/api/incidents/{i}/mentions/detach/",
                           {"mention_ids": [x.attached.pk]})),
    ("post", lambda c, x: ("/api/incidents/{i}/commander/", {"user_id": c.admin.pk})),
    ("patch", lambda c, x: ("/api/incidents/{i}/", {"severity": 1})),
    ("patch", lambda c, x: ("/api/incidents/{i}/", {"title": "Renamed"})),
    ("patch", lambda c, x: ("/api/incidents/{i}/", {"platforms": ["reddit"]})),
    # A reviewed incident goes nowhere (back to resolved); an active one may be resolved.
    ("post", lambda c, x: ("/api/incidents/{i}/transition/", {"status": "resolved"})),
    ("post", lambda c, x: ("/api/incidents/{i}/response/", {"url": "https://x.com/a/1"})),
    ("post", lambda c, x: ("/api/incidents/{i}/playbook/", {"scenario": "data_leak"})),
]  # fmt: skip
REVIEWED_IDS = [
    "note", "claim_create", "claim_update", "task_update", "task_complete", "mentions_attach",
    "mentions_detach", "commander", "severity", "title", "platforms", "transition", "response",
    "playbook",
]  # fmt: skip


def _review(crew, api_client_for) -> None:
    for status in ("resolved", "reviewed"):
        if status == "reviewed":  # reviewing needs an evaluation with a summary
            services.incident_evaluation_save(
                incident=crew.incident, by=crew.team, data=services.EvaluationInput("Contained")
            )
        response = _call(
            crew, api_client_for, "team", "post", "/api/incidents/{i}/transition/",
            {"status": status},
        )  # fmt: skip
        assert response.status_code == 200, response.content


def _prepare(crew) -> SimpleNamespace:
    """A claim, a task, an attached and a free mention; no playbook yet (as an incident
    opened by triage), so that starting one is a change the active incident accepts."""
    Incident.objects.filter(pk=crew.incident.pk).update(playbook=None)
    attached = factories.MentionFactory(workspace=crew.workspace)
    crew.incident.mentions.add(attached)
    return SimpleNamespace(
        claim=Claim.objects.create(
            incident=crew.incident, text="Passwords leaked", created_at=crew.incident.opened_at
        ),
        task=_task(crew),
        attached=attached,
        free=factories.MentionFactory(workspace=crew.workspace),
    )


def _record(crew) -> dict:
    incident = Incident.objects.get(pk=crew.incident.pk)
    return {
        "incident": [getattr(incident, name) for name in (
            "status", "title", "severity", "platforms", "commander_id", "response_at",
            "response_url", "playbook_id", "resolved_at", "active_at",
        )],
        "mentions": sorted(incident.mentions.values_list("pk", flat=True)),
        "events": list(incident.events.order_by("id").values_list("id", "kind", "summary")),
        "claims": list(incident.claims.order_by("id").values_list("id", "text", "status",
                                                                  "verified_by")),
        "tasks": list(incident.tasks.order_by("id").values_list("id", "checklist", "assignee",
                                                                "done_at")),
    }  # fmt: skip


@pytest.mark.parametrize(("method", "call"), REVIEWED_WRITES, ids=REVIEWED_IDS)
def test_a_reviewed_incident_is_final_for_every_write(crew, api_client_for, method, call):
    prepared = _prepare(crew)
    _review(crew, api_client_for)
    before = _record(crew)
    response = _call(crew, api_client_for, "team", method, *call(crew, prepared))
    assert response.status_code == 409, response.content
    assert "geëvalueerd en definitief" in response.json()["detail"]  # Dutch by default
    assert _record(crew) == before


@pytest.mark.parametrize(("method", "call"), REVIEWED_WRITES, ids=REVIEWED_IDS)
def test_every_write_still_changes_an_active_incident(crew, api_client_for, method, call):
    prepared = _prepare(crew)
    before = _record(crew)
    response = _call(crew, api_client_for, "team", method, *call(crew, prepared))
    assert response.status_code in (200, 201), response.content
    assert _record(crew) != before
