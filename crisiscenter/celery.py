"""The Celery app and the one beat schedule (keyed by task name)."""

import gc
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisiscenter.settings")

app = Celery("crisiscenter")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The only schedule. Embedded mode (`make run`) runs the same entries in-process
# (crisiscenter/embedded.py); production runs `celery beat`.
BEAT_SCHEDULE = {
    "monitoring.poll_due_sources": {"task": "monitoring.poll_due_sources", "schedule": 5.0},
    "incidents.refresh_engagement": {"task": "incidents.refresh_engagement", "schedule": 600.0},
    # Escalation timers live in the database; this tick starts and advances runs.
    "escalation.tick": {"task": "escalation.tick", "schedule": 10.0},
    "statements.fetch_reactions": {"task": "statements.fetch_reactions", "schedule": 300.0},
    "incidents.check_response_clocks": {
        "task": "incidents.check_response_clocks",
        "schedule": 30.0,
    },
}
app.conf.beat_schedule = BEAT_SCHEDULE

# Allocations between collections of the youngest generation (CPython's default is 700).
GC_YOUNG_THRESHOLD = 20_000


def worker_gc_tune() -> None:
    """Garbage collection in a worker process, once it has started.

    What the process holds by then (Django, the apps, the task modules) is frozen out of
    collections, and the youngest generation is collected every 20,000 allocations instead
    of 700: a page of 100 posts allocates tens of thousands of short-lived objects that
    reference counting frees anyway, and at 700 the collections cost ~4 µs of every ingested
    mention (bench/README.md). `bench/ingest.py` calls this in its worker processes too.
    """
    gc.collect()  # garbage left now would otherwise be frozen for good
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, 10, 10)


@worker_process_init.connect
def _worker_process_init(**_: object) -> None:
    worker_gc_tune()
