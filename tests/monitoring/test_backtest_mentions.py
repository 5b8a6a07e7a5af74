"""detect_backtest --mentions replays history through a workspace's real rules, storing
nothing."""

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import Alert, AlertRule, Mention
from tests.factories import AlertRuleFactory, WorkspaceFactory
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db(transaction=True)

START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
STORM = "Belachelijk, de app van Bank Noord doet het weer niet. Slecht!"


@pytest.fixture
def history(tmp_path):
    rows = [
        {"id": f"calm{i}", "text": "Fijne service van Bank Noord", "author": f"u{i}",
         "created_at": (START + timedelta(minutes=i)).isoformat()}
        for i in range(20)
    ] + [
        {"id": f"storm{i}", "text": STORM, "author": f"a{i}",
         "created_at": (START + timedelta(minutes=30, seconds=20 * i)).isoformat()}
        for i in range(12)
    ] + [
        {"id": "leak", "text": "Datalek bij Bank Noord?", "author": "hackwatcher",
         "created_at": (START + timedelta(minutes=40)).isoformat()},
    ]  # fmt: skip
    path = tmp_path / "history.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n", encoding="utf-8")
    return path


def _run(*args) -> tuple[list[dict], str]:
    out, err = StringIO(), StringIO()
    call_command("detect_backtest", *args, stdout=out, stderr=err)
    return [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_detect_backtest_mentions_prints_alerts_in_simulated_time_and_stores_nothing(history):
    ws = WorkspaceFactory(slug="bank")
    AlertRuleFactory(
        workspace=ws, name="Golf", params={"threshold": 8, "window_minutes": 5},
        cooldown_minutes=30,
    )  # fmt: skip
    AlertRuleFactory(workspace=ws, name="Risico", kind="risk_terms", params={"window_minutes": 10})
    alerts, err = _run("--mentions", str(history), "--workspace", "bank")
    assert "line 34" in err  # the broken line is reported, not fatal
    kinds = [(a["kind"], a["grouped"]) for a in alerts]
    assert ("negative_burst", False) in kinds
    assert ("risk_terms", False) in kinds
    burst = next(a for a in alerts if a["kind"] == "negative_burst")
    assert START + timedelta(minutes=30) < datetime.fromisoformat(burst["at"])
    assert datetime.fromisoformat(burst["at"]) < START + timedelta(minutes=36)
    assert burst["details"]["observed"] >= 8
    assert all(m.startswith("storm") for m in burst["mentions"])
    risk = next(a for a in alerts if a["kind"] == "risk_terms")
    assert risk["mentions"] == ["leak"]
    # Nothing of the replay is left behind.
    assert Mention.objects.count() == 0
    assert Alert.objects.count() == 0
    assert Workspace.objects.count() == 1
    assert AlertRule.objects.get(name="Golf").last_fired_at is None


def test_detect_backtest_mentions_needs_an_existing_workspace(history):
    with pytest.raises(CommandError, match="--workspace"):
        _run("--mentions", str(history))
    with pytest.raises(CommandError, match="No workspace"):
        _run("--mentions", str(history), "--workspace", "nope")
