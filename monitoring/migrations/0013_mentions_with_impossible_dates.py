"""Mentions stored before ingest checked their dates (monitoring/dates.py): one dated near
datetime's limits failed every page of the mentions list that held it, and one dated later than
its fetching headed the newest-first stream for good. Such a mention's posted_at becomes the
time it was fetched (its raw payload keeps the platform's date); an author's account date out
of range is dropped. One scan of the table, no rewrite."""

from datetime import UTC, datetime

from django.db import migrations
from django.db.models import F, Q

# monitoring/dates.py's range when this was written (a later change there must not change this).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 1, 1, tzinfo=UTC)


def _mend(apps, schema_editor):
    mention = apps.get_model("monitoring", "Mention").objects
    mention.filter(
        Q(posted_at__gt=F("fetched_at")) | Q(posted_at__lt=EARLIEST) | Q(posted_at__gte=LATEST)
    ).update(posted_at=F("fetched_at"))
    mention.filter(Q(author_created_at__lt=EARLIEST) | Q(author_created_at__gte=LATEST)).update(
        author_created_at=None
    )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0012_webhook_sources_push_as_a_known_platform")]

    operations = [migrations.RunPython(_mend, migrations.RunPython.noop)]
