import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from monitoring.models import DeadLetter, ImportJob, Mention
from monitoring.services.imports import IMPORT_STOPPED, import_job_run
from monitoring.tasks import run_import

pytestmark = pytest.mark.django_db(transaction=True)

ROWS = [
    {"id": "1", "text": "Bank Noord is down", "author": "a", "created_at": "2026-11-25T10:00Z"},
    {"id": "2", "text": "Nog steeds storing", "author": "b", "created_at": "2026-11-25T10:01Z"},
]
JSONL = "".join(json.dumps(row) + "\n" for row in ROWS).encode() + b"not json\n"


def _upload(client, slug: str):
    return client.post(
        f"/w/{slug}/imports/",
        {"file": SimpleUploadedFile("m.jsonl", JSONL), "platform": "x"},
    )


def test_import_upload_by_admin_queues_a_job_that_the_task_runs_twice_safely(
    client, make_workspace, make_member
):
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    response = _upload(client, "bank")
    assert response.status_code == 302
    job = ImportJob.objects.get(workspace=ws)
    assert (job.status, job.total, job.filename) == ("queued", 3, "m.jsonl")
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.processed, job.new, job.failed) == ("done", 3, 2, 1)
    assert job.content == ""
    run_import.apply(args=[job.pk])  # redelivered: nothing changes
    assert Mention.objects.filter(workspace=ws).count() == 2
    page = client.get("/w/bank/sources/")
    assert b"m.jsonl" in page.content


@pytest.mark.parametrize("role", ["crisis_team", "communications"])
def test_import_upload_needs_admin(client, make_workspace, make_member, role):
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role=role))
    assert _upload(client, "bank").status_code == 403
    assert not ImportJob.objects.exists()


def test_import_upload_other_workspace_is_404(client, make_workspace, make_member):
    ws = make_workspace(slug="bank")
    make_workspace(slug="other")
    client.force_login(make_member(ws, role="admin"))
    assert _upload(client, "other").status_code == 404


def test_import_job_api_reports_progress(client, make_workspace, make_member):
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    _upload(client, "bank")
    job = ImportJob.objects.get()
    run_import.apply(args=[job.pk])
    body = client.get(f"/api/imports/{job.pk}/").json()
    assert body["status"] == "done"
    assert (body["total"], body["processed"], body["new"], body["failed"]) == (3, 3, 2, 1)
    assert "content" not in body


def test_sources_page_rule_form_adds_validated_rules(client, make_workspace, make_member):
    from monitoring.models import AlertRule

    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    ok = {"name": "Datalek", "kind": "risk_terms", "params": '{"terms": ["datalek"]}',
          "cooldown_minutes": 5}  # fmt: skip
    assert client.post("/w/bank/rules/add/", ok).status_code == 302
    rule = AlertRule.objects.get(workspace=ws)
    assert rule.params == {"terms": ["datalek"]}
    bad = {**ok, "params": '{"threshold": -3}'}
    response = client.post("/w/bank/rules/add/", bad, follow=True)
    assert AlertRule.objects.count() == 1
    assert "threshold" in response.content.decode()
    client.post(f"/w/bank/rules/{rule.pk}/toggle/")
    assert AlertRule.objects.get(pk=rule.pk).is_enabled is False
    page = client.get("/w/bank/sources/").content.decode()
    assert "Datalek" in page


def test_sources_page_source_toggle_needs_admin(client, make_workspace, make_member):
    from tests.factories import SourceFactory

    ws = make_workspace(slug="bank")
    source = SourceFactory(workspace=ws)
    client.force_login(make_member(ws, role="crisis_team"))
    assert client.post(f"/w/bank/sources/{source.pk}/toggle/").status_code == 403
    client.force_login(make_member(ws, role="admin"))
    assert client.post(f"/w/bank/sources/{source.pk}/toggle/").status_code == 302
    source.refresh_from_db()
    assert source.is_enabled is False
    other = SourceFactory()
    assert client.post(f"/w/bank/sources/{other.pk}/toggle/").status_code == 404


@pytest.mark.parametrize("comma", [b",", b";"], ids=["commas", "semicolons"])
def test_csv_with_line_breaks_in_quoted_fields_reaches_full_progress(
    client, make_workspace, make_member, comma
):
    # Separated by commas or by semicolons (Dutch Excel), the header in capitals: counted and
    # read alike (each quoted field holds the other separator).
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    data = (
        b"ID,Text,author,created_at\r\n"
        b'1,"Storing bij Bank Noord;\r\nNog steeds, niets.\r\n\r\nWat nu?",a,2026-11-25T10:00Z\r\n'
        b"\r\n"
        b'2,"Tweede regel\nen derde",b,2026-11-25T10:01Z\r\n'
    )
    data = data.replace(b",", comma).replace(b"steeds" + comma, b"steeds,")
    client.post("/w/bank/imports/", {"file": SimpleUploadedFile("m.csv", data), "platform": "x"})
    job = ImportJob.objects.get(workspace=ws)
    assert job.total == 2
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.processed, job.new, job.total) == ("done", 2, 2, 2)


def test_import_upload_over_50_mb_is_refused_like_the_api(client, make_workspace, make_member):
    from monitoring.services.imports import IMPORT_MAX_BYTES

    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    big = SimpleUploadedFile("big.jsonl", b"\n" * (IMPORT_MAX_BYTES + 1))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    page = client.post("/w/bank/imports/", {"file": big, "platform": "x"}, follow=True)
    assert "File larger than 50 MB." in page.content.decode()
    assert not ImportJob.objects.exists()


def test_an_import_the_database_refuses_ends_failed_with_a_plain_message(
    client, make_workspace, make_member, refusing_mentions, caplog
):
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    _upload(client, "bank")
    job = ImportJob.objects.get(workspace=ws)
    run_import.apply(args=[job.pk])  # the task itself does not fail: the job says what happened
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.finished_at is not None
    # Not the database's message, which quotes the post; and true: nothing was stored.
    assert job.error == IMPORT_STOPPED.format(processed=0, total=3, new=0, duplicates=0, failed=0)
    assert job.error.startswith("The import stopped on an internal error after 0 of 3 rows")
    assert not Mention.objects.exists()
    assert [r.job_id for r in caplog.records if r.msg == "monitoring.import.failed"] == [job.pk]


def test_uploading_the_same_file_again_says_nothing_was_new(client, make_workspace, make_member):
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    _upload(client, "bank")
    _upload(client, "bank")
    first, second = ImportJob.objects.filter(workspace=ws).order_by("pk")
    run_import.apply(args=[first.pk])
    run_import.apply(args=[second.pk])
    second.refresh_from_db()
    assert (second.status, second.new, second.duplicates, second.failed) == ("done", 0, 2, 1)
    assert second.differing == 0
    assert Mention.objects.filter(workspace=ws).count() == 2
    page = client.get("/w/bank/sources/").content.decode()
    assert '<span class="job-differing" hidden>' in page


def test_an_upload_with_edited_rows_says_how_many_differ_on_the_page(
    client, make_workspace, make_member
):
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    _upload(client, "bank")
    edited = [{**ROWS[0], "text": "Bank Noord is weer up"}, ROWS[1]]
    body = "".join(json.dumps(row) + "\n" for row in edited).encode()
    client.post("/w/bank/imports/", {"file": SimpleUploadedFile("m.jsonl", body), "platform": "x"})
    first, second = ImportJob.objects.filter(workspace=ws).order_by("pk")
    run_import.apply(args=[first.pk])
    run_import.apply(args=[second.pk])
    second.refresh_from_db()
    assert (second.new, second.duplicates, second.differing) == (0, 2, 1)
    assert Mention.objects.get(workspace=ws, external_id="1").text == "Bank Noord is down"
    page = client.get("/w/bank/sources/").content.decode()
    assert (
        '<span class="job-differing">1 of those already present with another text than the '
        "stored mention (the stored one was kept)</span>"
    ) in page
    assert client.get(f"/api/imports/{second.pk}/").json()["differing"] == 1


def _upload_csv(client, slug: str, data: bytes):
    return client.post(
        f"/w/{slug}/imports/", {"file": SimpleUploadedFile("m.csv", data), "platform": "x"}
    )


def test_a_csv_upload_with_a_field_over_the_csv_limit_stores_the_other_rows(
    client, make_workspace, make_member
):
    # A field over 131,072 characters (the csv module's default limit) used to stop the job
    # on its first batch, with nothing stored, a total of 1 and a message saying otherwise.
    from monitoring.csv_files import CSV_FIELD_LIMIT

    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    rows = [f"{i},Storing {i},a,2026-11-25T10:0{i}Z" for i in range(5)]
    rows[1] = "1," + "x" * 200_000 + ",a,2026-11-25T10:01Z"
    rows[3] = "3,Storing,a,2026-11-25T10:03Z," + "y" * (CSV_FIELD_LIMIT + 1)
    data = "id,text,author,created_at,note\n" + "\n".join(rows) + "\n"
    _upload_csv(client, "bank", data.encode())
    job = ImportJob.objects.get(workspace=ws)
    assert job.total == 5
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.processed, job.new, job.failed) == ("done", 5, 3, 2)
    assert sorted(Mention.objects.values_list("external_id", flat=True)) == ["0", "2", "4"]
    reasons = DeadLetter.objects.filter(workspace=ws).order_by("pk").values_list("reason")
    assert [reason for (reason,) in reasons] == [
        "line 3: text: longer than 100000 characters",
        f"line 5: field larger than field limit ({CSV_FIELD_LIMIT})",
    ]


def test_a_csv_field_over_the_limit_on_several_lines_stops_the_import_after_the_rows_before(
    client, make_workspace, make_member
):
    # Read on past such a field, the csv reader would take the rest of it for rows.
    from monitoring.csv_files import CSV_FIELD_LIMIT

    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    huge = '"' + ("z" * 1000 + "\n") * (CSV_FIELD_LIMIT // 1000 + 1) + '"'
    rows = ["0,Storing 0,a,2026-11-25T10:00Z,", f"1,Storing 1,a,2026-11-25T10:01Z,{huge}"]
    rows += [f"{i},Storing {i},a,2026-11-25T10:0{i}Z," for i in range(2, 5)]
    data = "id,text,author,created_at,note\n" + "\n".join(rows) + "\n"
    _upload_csv(client, "bank", data.encode())
    job = ImportJob.objects.get(workspace=ws)
    run_import.apply(args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.new) == ("failed", 1)
    assert job.error == (
        f"line 3: field larger than field limit ({CSV_FIELD_LIMIT}), in a field running over "
        "several lines; the import stopped there (the rows before it were stored)"
    )
    assert list(Mention.objects.values_list("external_id", flat=True)) == ["0"]
    assert not DeadLetter.objects.filter(workspace=ws).exists()  # no rows made of its lines


def test_an_import_that_stops_midway_says_how_many_rows_it_stored(
    client, make_workspace, make_member
):
    from django.db import connection

    from monitoring.services.imports import IMPORT_BATCH

    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    ids = [str(i) for i in range(IMPORT_BATCH)] + ["refused", "last"]
    data = "".join(
        json.dumps({"id": i, "text": "t", "author": "a", "created_at": "2026-11-25T10:00Z"}) + "\n"
        for i in ids
    )
    client.post(
        "/w/bank/imports/",
        {"file": SimpleUploadedFile("m.jsonl", data.encode()), "platform": "x"},
    )
    with connection.cursor() as cursor:  # PostgreSQL refuses the second batch
        cursor.execute(
            "CREATE FUNCTION test_refuse_one() RETURNS trigger AS $$ BEGIN "
            "IF NEW.external_id = 'refused' THEN RAISE EXCEPTION 'no'; END IF; "
            "RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_one BEFORE INSERT ON monitoring_mention "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_one()"
        )
    try:
        job = ImportJob.objects.get(workspace=ws)
        run_import.apply(args=[job.pk])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_one ON monitoring_mention")
            cursor.execute("DROP FUNCTION test_refuse_one()")
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.error == (
        "The import stopped on an internal error after 1,000 of 1,002 rows (1,000 new, 0 "
        "already present, 0 failed); the rows after those were not imported."
    )
    assert Mention.objects.filter(workspace=ws).count() == IMPORT_BATCH


def test_an_import_stopping_after_a_stored_batch_reports_that_batch_and_not_the_file(
    client, make_workspace, make_member
):
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    rows = [
        {"id": str(n), "text": f"Bank Noord {n}", "author": "a", "created_at": "2026-11-25T10:00Z"}
        for n in range(1001)
    ]
    rows[1000]["text"] = "stop here"  # in the second batch
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_stop() RETURNS trigger AS $$ BEGIN "
            "IF NEW.text = 'stop here' THEN RAISE EXCEPTION 'no'; END IF; RETURN NEW; END $$ "
            "LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_stop BEFORE INSERT ON monitoring_mention "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_stop()"
        )
    try:
        client.post(
            "/w/bank/imports/", {"file": SimpleUploadedFile("m.jsonl", data), "platform": "x"}
        )
        job = import_job_run(job=ImportJob.objects.get(workspace=ws))
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_stop ON monitoring_mention")
            cursor.execute("DROP FUNCTION test_refuse_stop()")
    expected = IMPORT_STOPPED.format(processed=1000, total=1001, new=1000, duplicates=0, failed=0)
    assert (job.status, job.error, job.processed, job.new) == ("failed", expected, 1000, 1000)
    assert ImportJob.objects.get(pk=job.pk).error == expected
    assert Mention.objects.filter(workspace=ws).count() == 1000


def test_an_upload_with_a_nul_in_lang_stores_every_row(client, make_workspace, make_member):
    # The database refused the batch: the job failed and the valid rows were lost with it.
    ws = make_workspace(slug="bank")
    client.force_login(make_member(ws, role="admin"))
    rows = [{**ROWS[0], "lang": "n\x00l"}, ROWS[1]]
    data = "".join(json.dumps(row) + "\n" for row in rows).encode()
    client.post("/w/bank/imports/", {"file": SimpleUploadedFile("m.jsonl", data), "platform": "x"})
    job = import_job_run(job=ImportJob.objects.get(workspace=ws))
    assert (job.status, job.new, job.failed) == ("done", 2, 0)
    assert Mention.objects.get(external_id="1").language == "nl"
