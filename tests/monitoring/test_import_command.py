import csv
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from monitoring.models import DeadLetter, Mention
from tests.factories import WorkspaceFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def jsonl_file(tmp_path):
    path = tmp_path / "mentions.jsonl"
    rows = [
        {"id": f"t{i}", "text": f"Post {i} over Bank Noord", "author": f"u{i}",
         "created_at": "2026-11-25T10:00:00+01:00", "followers": i}
        for i in range(25)
    ]  # fmt: skip
    lines = [json.dumps(r) for r in rows] + ["{not json", json.dumps({"id": "x", "text": "t"})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _run(*args) -> str:
    out = StringIO()
    call_command("import_mentions", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_import_mentions_jsonl_reports_new_and_is_idempotent(jsonl_file):
    ws = WorkspaceFactory(slug="bank")
    first = _run(str(jsonl_file), "--workspace", "bank", "--platform", "x")
    assert "25 new" in first
    assert "2 failed" in first
    assert Mention.objects.filter(workspace=ws, platform="x").count() == 25
    assert DeadLetter.objects.filter(workspace=ws).count() == 2
    second = _run(str(jsonl_file), "--workspace", "bank", "--platform", "x")
    assert "0 new" in second
    assert "25 already present" in second
    assert Mention.objects.filter(workspace=ws).count() == 25


def test_import_mentions_csv_with_extra_columns(tmp_path):
    WorkspaceFactory(slug="bank")
    path = tmp_path / "m.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "author", "created_at", "url", "likes", "lang"])
        writer.writerow(
            [
                "1",
                "Slechte service, echt boos",
                "kees",
                "2026-11-25 09:00",
                "https://x.com/k/status/1",
                "7",
                "nl",
            ]
        )
        writer.writerow(
            ["2", 'Multi\nline, with "quotes"', "anna", "2026-11-25T09:01:00Z", "", "", ""]
        )
    out = _run(str(path), "--workspace", "bank")
    assert "2 new" in out
    kees = Mention.objects.get(external_id="1")
    assert (kees.likes, kees.language, kees.platform) == (7, "nl", "import")
    assert kees.sentiment_compound < 0
    assert Mention.objects.get(external_id="2").text == 'Multi\nline, with "quotes"'


def test_import_mentions_takes_links_and_hashtags_from_the_text(tmp_path):
    WorkspaceFactory(slug="bank")
    path = tmp_path / "m.jsonl"
    row = {
        "id": "1",
        "text": "Weer #storing bij #BankNoord, zie https://allestoringen.example/banknoord.",
        "author": "kees",
        "created_at": "2026-11-25T09:00:00Z",
    }
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    _run(str(path), "--workspace", "bank")
    stored = Mention.objects.get(external_id="1")
    assert stored.urls == ["https://allestoringen.example/banknoord"]
    assert stored.hashtags == ["storing", "BankNoord"]


def test_import_mentions_csv_missing_columns_is_a_clear_error(tmp_path):
    WorkspaceFactory(slug="bank")
    path = tmp_path / "bad.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        _run(str(path), "--workspace", "bank")


def test_import_mentions_unknown_workspace(jsonl_file):
    with pytest.raises(CommandError, match="No workspace"):
        _run(str(jsonl_file), "--workspace", "nope")
