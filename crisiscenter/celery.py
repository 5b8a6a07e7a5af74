"""The Celery app and the one beat schedule (keyed by task name)."""

import os

from celery import Celery

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
