"""A post that completes after the incident was reviewed: stored (it really happened), but the
reviewed incident stays final (no timeline event, no response clock). And the completion
locks incident, statement, publication in that order, like the other publishing services."""

import threading

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from incidents.models import Incident, IncidentEvent
from statements.models import Publication, Statement
from statements.publishing import Posted
from statements.services.publishing import publication_posted

URL = "https://mastodon.example/@banknoord/1"


def _in_flight(make_statement, comms) -> Publication:
    statement = make_statement()
    Statement.objects.filter(pk=statement.pk).update(
        status=Statement.Status.APPROVED, approved_texts={"mastodon": "Tekst"}
    )
    return Publication.objects.create(
        statement=statement,
        channel="mastodon",
        parts=["Tekst"],
        created_at=timezone.now(),
        published_by=comms,
    )


def _review(incident: Incident) -> None:
    now = timezone.now()
    Incident.objects.filter(pk=incident.pk).update(
        status=Incident.Status.REVIEWED, resolved_at=now, reviewed_at=now
    )


@pytest.mark.django_db
def test_post_completing_after_review_is_stored_but_leaves_the_incident_alone(
    make_statement, comms, incident
):
    publication = _in_flight(make_statement, comms)
    _review(incident)
    events_before = IncidentEvent.objects.filter(incident=incident).count()

    publication_posted(publication=publication, posted=[Posted(id="1", url=URL)])

    publication.refresh_from_db()
    assert publication.status == Publication.Status.POSTED
    assert publication.url == URL
    assert Statement.objects.get(pk=publication.statement_id).status == "published"
    assert IncidentEvent.objects.filter(incident=incident).count() == events_before
    incident.refresh_from_db()
    assert incident.response_at is None


@pytest.mark.django_db
def test_post_completing_on_an_open_incident_stops_the_response_clock(
    make_statement, comms, incident
):
    publication = _in_flight(make_statement, comms)

    publication_posted(publication=publication, posted=[Posted(id="1", url=URL)])

    incident.refresh_from_db()
    assert incident.response_at is not None
    assert incident.events.filter(data__action="published", data__url=URL).exists()


@pytest.mark.django_db
def test_completion_locks_incident_then_statement_then_publication(make_statement, comms, incident):
    publication = _in_flight(make_statement, comms)

    with CaptureQueriesContext(connection) as queries:
        publication_posted(publication=publication, posted=[Posted(id="1", url=URL)])

    locking = [q["sql"] for q in queries.captured_queries if "FOR UPDATE" in q["sql"]]
    tables = [sql.split(" FROM ", 1)[1].split()[0].strip('"') for sql in locking[:3]]
    assert tables == ["incidents_incident", "statements_statement", "statements_publication"]


@pytest.mark.django_db(transaction=True)
def test_completion_waits_for_the_incident_lock_before_locking_the_publication(
    make_statement, comms, incident
):
    """While another transaction (a publish or a review) holds the incident, the completion
    waits without holding the publication: the holder can still lock it, so no deadlock."""
    publication = _in_flight(make_statement, comms)
    done = threading.Event()
    errors: list[BaseException] = []

    def complete() -> None:
        try:
            publication_posted(publication=publication, posted=[Posted(id="1", url=URL)])
        except BaseException as exc:
            errors.append(exc)
        finally:
            from django.db import connections

            connections.close_all()
            done.set()

    with transaction.atomic():
        Incident.objects.select_for_update().get(pk=incident.pk)
        worker = threading.Thread(target=complete)
        worker.start()
        assert not done.wait(1.0)  # it waits for the incident
        try:
            Publication.objects.select_for_update(nowait=True).get(pk=publication.pk)
        except DatabaseError:
            pytest.fail("the completion locked the publication before the incident")
    worker.join(10)
    assert done.is_set()
    assert not errors
    publication.refresh_from_db()
    assert publication.status == Publication.Status.POSTED
