import csv
import json
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.core.management.base import OutputWrapper
from django.core.management.color import color_style

from monitoring.management.commands.import_mentions import Command as ImportCommand
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
    assert ": 0 new, 25 already present, 2 failed" in second
    assert Mention.objects.filter(workspace=ws).count() == 25
    assert "another text" not in second


def test_reimporting_edited_rows_says_how_many_differ_and_keeps_the_stored_text(jsonl_file):
    WorkspaceFactory(slug="bank")
    _run(str(jsonl_file), "--workspace", "bank", "--platform", "x")
    text = jsonl_file.read_text(encoding="utf-8")
    edited = text.replace("Post 3 over", "Post drie over").replace("Post 7 over", "Post 7 nu over")
    jsonl_file.write_text(edited, encoding="utf-8")
    again = _run(str(jsonl_file), "--workspace", "bank", "--platform", "x")
    assert ": 0 new, 25 already present, 2 failed" in again
    assert "2 of the rows already present have another text than the stored mention" in again
    assert Mention.objects.get(external_id="t3").text == "Post 3 over Bank Noord"


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


FULL_ROW = {
    "id": "r1",
    "text": "Retweet: Bank Noord ligt eruit https://t.example/abc #storing",
    "author": "kees",
    "created_at": "2026-11-25T09:00:00Z",
    "author_name": "Kees de Vries",
    "author_followers": 1200,
    "author_verified": True,
    "author_created_at": "2014-03-01T08:00:00Z",
    "language": "nl",
    "url": "https://x.com/kees/status/r1",
    "reply_to": "p0",
    "quote_of": "q0",
    "repost_of": "o1",
    "conversation_id": "c1",
    "views": 5400,
    "quotes": 2,
    "urls": ["https://www.banknoord.example/storing", "https://nos.example/a,b"],
    "hashtags": ["#BankNoord", "pinstoring"],
}


def test_import_mentions_jsonl_reads_every_mention_field_it_is_given(tmp_path):
    WorkspaceFactory(slug="bank")
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(FULL_ROW) + "\n", encoding="utf-8")
    _run(str(path), "--workspace", "bank")
    m = Mention.objects.get(external_id="r1")
    assert (m.repost_of, m.quote_of, m.reply_to, m.conversation_id) == ("o1", "q0", "p0", "c1")
    assert (m.author_name, m.author_followers, m.author_verified) == ("Kees de Vries", 1200, True)
    assert m.author_created_at == datetime(2014, 3, 1, 8, 0, tzinfo=UTC)
    assert (m.language, m.url, m.views, m.quotes) == ("nl", FULL_ROW["url"], 5400, 2)
    # Listed entities win over those in the text (a t.co-style short link, #storing).
    assert m.urls == FULL_ROW["urls"]
    assert m.hashtags == ["BankNoord", "pinstoring"]


def test_import_mentions_csv_reads_lists_as_json_or_separated_text(tmp_path):
    WorkspaceFactory(slug="bank")
    path = tmp_path / "m.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["id", "text", "author", "created_at", "repost_of", "urls", "hashtags",
             "author_created_at", "verified"]
        )  # fmt: skip
        writer.writerow(
            ["1", "Storing", "kees", "2026-11-25 09:00", "o1",
             '["https://a.example/1", "https://b.example/2"]', "#BankNoord, storing",
             "1393660800", "ja"]
        )  # fmt: skip
        writer.writerow(
            ["2", "Storing", "anna", "2026-11-25 09:01", "", "https://a.example/1,x "
             "https://b.example/2, https://c.example/3", "BankNoord pinstoring", "", "nee"]
        )  # fmt: skip
    _run(str(path), "--workspace", "bank")
    first, second = Mention.objects.order_by("external_id")
    assert first.repost_of == "o1"
    assert first.urls == ["https://a.example/1", "https://b.example/2"]
    assert first.hashtags == ["BankNoord", "storing"]
    assert first.author_created_at == datetime(2014, 3, 1, 8, 0, tzinfo=UTC)
    assert (first.author_verified, second.author_verified) == (True, False)
    assert second.urls == ["https://a.example/1,x", "https://b.example/2", "https://c.example/3"]
    assert second.hashtags == ["BankNoord", "pinstoring"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("urls", ["ftp://files.example/x"], "urls: not an http(s) URL"),
        ("urls", "[not json", "urls: not a JSON array"),
        ("urls", "[" * 5000, "urls: not a JSON array (nested too deeply)"),
        ("hashtags", "[1e400]", "hashtags: not a JSON array (1e400 is out of range)"),
        ("urls", {"href": "https://a.example"}, "urls: expected a list of texts"),
        ("hashtags", ["two words"], "hashtags: not a hashtag"),
        ("author_created_at", "gisteren", "author_created_at: not an ISO 8601 date or epoch"),
        ("author_verified", "misschien", "author_verified: not yes or no"),
        ("author_followers", "veel", "author_followers: not a number"),
        ("created_at", "9999-12-31T23:59:59+00:00", "created_at: out of range"),
        ("created_at", "1899-12-31T23:59:59Z", "created_at: out of range"),
        ("created_at", 1e300, "created_at: not an ISO 8601 date or epoch"),
        ("author_followers", "1e400", "author_followers: not a number ('1e400')"),
        ("likes", "-Infinity", "likes: not a number ('-Infinity')"),
        ("quotes", "NaN", "quotes: not a number ('NaN')"),
        ("views", 10**400, "views: larger than 9223372036854775807"),
        ("extra", json.loads("[" * 900 + "]" * 900), "row: nested deeper than 100 levels"),
    ],
)
def test_import_mentions_dead_letters_a_bad_value_and_stores_the_rest(
    tmp_path, field, value, reason
):
    ws = WorkspaceFactory(slug="bank")
    path = tmp_path / "m.jsonl"
    bad = {**FULL_ROW, "id": "bad", field: value}
    path.write_text(json.dumps(bad) + "\n" + json.dumps(FULL_ROW) + "\n", encoding="utf-8")
    out = _run(str(path), "--workspace", "bank")
    assert "1 new" in out
    assert "1 failed" in out
    assert list(Mention.objects.values_list("external_id", flat=True)) == ["r1"]
    (letter,) = DeadLetter.objects.filter(workspace=ws)
    assert letter.reason.startswith(f"line 1: {reason}")
    assert json.loads(letter.raw)["id"] == "bad"


def test_import_mentions_csv_missing_columns_is_a_clear_error(tmp_path):
    WorkspaceFactory(slug="bank")
    path = tmp_path / "bad.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        _run(str(path), "--workspace", "bank")


def test_import_mentions_unknown_workspace(jsonl_file):
    with pytest.raises(CommandError, match="No workspace"):
        _run(str(jsonl_file), "--workspace", "nope")


def test_import_mentions_draws_a_progress_bar_that_ends_full(jsonl_file):
    WorkspaceFactory(slug="bank")
    err = StringIO()
    # -v 2 shows the bar where stderr is not a terminal (as here)
    call_command(
        "import_mentions", str(jsonl_file), "--workspace", "bank", "-v", "2",
        stdout=StringIO(), stderr=err,
    )  # fmt: skip
    frames = err.getvalue().split("\r")[1:]
    assert frames, "no progress drawn"
    assert frames[-1].strip() == (f"[{'#' * 30}] 100.0% 27/27  new 25  duplicates 0  failed 2")


class _Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def test_import_mentions_progress_bar_is_not_drawn_as_an_error(jsonl_file):
    # On a terminal Django styles a command's stderr as errors (red): not the bar.
    WorkspaceFactory(slug="bank")
    err = _Terminal()
    command = ImportCommand()
    command.stderr = OutputWrapper(err)
    command.stderr.style_func = color_style(force_color=True).ERROR
    call_command(command, str(jsonl_file), "--workspace", "bank", stdout=StringIO())
    frames = err.getvalue().split("\r")[1:]
    assert frames, "no progress drawn"
    assert "\x1b[" not in err.getvalue()


def test_import_mentions_draws_no_bar_for_a_pipe_by_default(jsonl_file):
    WorkspaceFactory(slug="bank")
    err = StringIO()
    call_command(
        "import_mentions", str(jsonl_file), "--workspace", "bank", stdout=StringIO(), stderr=err
    )
    assert "[" not in err.getvalue()


def test_import_mentions_dead_letters_json_lines_it_cannot_read(tmp_path):
    # Each used to stop the whole import with an exception (RecursionError, ValueError).
    ws = WorkspaceFactory(slug="bank")
    row = json.dumps(FULL_ROW)[:-1]  # without its closing brace
    lines = [
        json.dumps({**FULL_ROW, "id": "first"}),
        "[" * 100_000 + "]" * 100_000,
        row + ', "followers": Infinity}',
        row + ', "likes": NaN}',
        row + ', "score": 1e400}',
        row + ', "views": -Infinity}',
        row + f', "extra": {"9" * 5000}}}',
        json.dumps({**FULL_ROW, "id": "last"}),
    ]
    path = tmp_path / "m.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = _run(str(path), "--workspace", "bank")
    assert "2 new" in out
    assert "6 failed" in out
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["first", "last"]
    reasons = list(DeadLetter.objects.filter(workspace=ws).order_by("pk").values_list("reason"))
    assert [reason for (reason,) in reasons] == [
        "line 2: invalid JSON (nested too deeply)",
        "line 3: invalid JSON (Infinity is not a JSON number)",
        "line 4: invalid JSON (NaN is not a JSON number)",
        "line 5: invalid JSON (1e400 is out of range)",
        "line 6: invalid JSON (-Infinity is not a JSON number)",
        "line 7: invalid JSON (a number too long to read)",
    ]


def test_import_mentions_stores_a_future_row_as_now(tmp_path):
    from django.utils import timezone

    WorkspaceFactory(slug="bank")
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps({**FULL_ROW, "created_at": "2030-01-01T00:00:00Z"}) + "\n")
    before = timezone.now()
    _run(str(path), "--workspace", "bank")
    mention = Mention.objects.get()
    assert before <= mention.posted_at <= timezone.now()
    assert mention.raw["created_at"] == "2030-01-01T00:00:00Z"


def test_import_mentions_csv_dead_letters_a_text_over_the_csv_field_limit(tmp_path):
    # 200,000 characters: past the csv module's default field limit (131,072), which stopped
    # the whole import with nothing stored.
    ws = WorkspaceFactory(slug="bank")
    path = tmp_path / "longfield.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["id", "text", "author", "created_at"])
        for i in range(5):
            text = "Lang verhaal. " * 15_000 if i == 2 else f"Storing {i}"
            writer.writerow([str(i), text, "a", "2026-11-25T10:00Z"])
    out = _run(str(path), "--workspace", "bank")
    assert "Imported 5 rows" in out
    assert "4 new" in out
    assert "1 failed" in out
    (letter,) = DeadLetter.objects.filter(workspace=ws)
    assert letter.reason == "line 4: text: longer than 100000 characters"


def test_import_mentions_stores_rows_with_a_nul_in_any_text(tmp_path):
    # A NUL in lang stopped the import with PostgreSQL's DataError (0x00 in COPY).
    ws = WorkspaceFactory(slug="bank")
    columns = {"text": "text", "author": "author_handle", "author_name": "author_name",
               "url": "url", "language": "language", "reply_to": "reply_to",
               "quote_of": "quote_of", "repost_of": "repost_of",
               "conversation_id": "conversation_id"}  # fmt: skip
    rows = [{**FULL_ROW, "id": field, field: f"\x00{FULL_ROW[field]}"} for field in columns]
    rows.append({**FULL_ROW, "id": "n\x00ul"})
    path = tmp_path / "m.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = _run(str(path), "--workspace", "bank")
    assert f"{len(columns)} new, 0 already present, 1 failed" in out
    for field, column in columns.items():
        stored = Mention.objects.get(workspace=ws, external_id=field)
        assert getattr(stored, column) == FULL_ROW[field]
    (letter,) = DeadLetter.objects.filter(workspace=ws)
    assert letter.reason == "line 10: id: holds a NUL or a lone surrogate, which cannot be stored"


def _import_csv(tmp_path, text: str) -> str:
    """Import `text` as a CSV file into workspace "bank"; the command's output."""
    path = tmp_path / "m.csv"
    path.write_text(text, encoding="utf-8")
    return _run(str(path), "--workspace", "bank")


def test_import_mentions_csv_stores_a_row_with_a_nul_in_lang(tmp_path):
    WorkspaceFactory(slug="bank")
    out = _import_csv(
        tmp_path,
        "id,text,author,created_at,lang\n1,Storing,kees,2026-11-25 09:00,n\x00l\n"
        "2,Storing,anna,2026-11-25 09:01,nl\n",
    )
    assert "2 new" in out
    assert set(Mention.objects.values_list("language", flat=True)) == {"nl"}


def test_import_mentions_csv_dead_letters_a_count_with_a_decimal_point(tmp_path):
    # "1.234" (a Dutch thousands separator) was stored as 1 follower.
    ws = WorkspaceFactory(slug="bank")
    out = _import_csv(
        tmp_path,
        "id,text,author,created_at,followers\n1,Storing,kees,2026-11-25 09:00,1.234\n"
        "2,Storing,anna,2026-11-25 09:01,1234\n",
    )
    assert "1 new" in out
    assert Mention.objects.get().author_followers == 1234
    (letter,) = DeadLetter.objects.filter(workspace=ws)
    assert letter.reason == "line 2: followers: expected a whole number ('1.234')"


@pytest.mark.parametrize(
    "text",
    [
        # Dutch Excel's default: semicolons, a quoted field with a semicolon and a line break.
        'id;text;author;created_at;followers\n1;"Storing; al\nuren";kees;2026-11-25 09:00;12\n'
        "2;Storing;anna;2026-11-25 09:01;3\n",
        "id\ttext\tauthor\tcreated_at\tfollowers\n1\tStoring; al\tkees\t2026-11-25 09:00\t12\n"
        "2\tStoring\tanna\t2026-11-25 09:01\t3\n",
        "ID,Text,AUTHOR,Created_At,Followers\n1,Storing,kees,2026-11-25 09:00,12\n"
        "2,Storing,anna,2026-11-25 09:01,3\n",
        'id, text, author, created_at, followers\n1, "Storing, al", kees, 2026-11-25 09:00, 12\n'
        "2, Storing, anna, 2026-11-25 09:01, 3\n",
    ],
    ids=["semicolons", "tabs", "capitals", "spaces"],
)
def test_import_mentions_csv_reads_other_delimiters_and_header_spellings(tmp_path, text):
    # Each was refused with "header: missing column(s) id, text, author, created_at".
    WorkspaceFactory(slug="bank")
    assert "Imported 2 rows into 'bank': 2 new" in _import_csv(tmp_path, text)
    first = Mention.objects.get(external_id="1")
    assert (first.author_handle, first.author_followers) == ("kees", 12)
    assert first.text.startswith("Storing")


def test_import_mentions_csv_names_the_columns_a_semicolon_file_misses(tmp_path):
    WorkspaceFactory(slug="bank")
    with pytest.raises(CommandError, match=r"header: missing column\(s\) created_at$"):
        _import_csv(tmp_path, "id;text;author;date\n1;Storing;kees;2026-11-25\n")
