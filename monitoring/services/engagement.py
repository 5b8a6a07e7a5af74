"""Refreshing engagement of mentions that matter (those in open incidents): reach grows after
the first sighting, and severity and reach figures must follow it."""

import logging
from collections import defaultdict
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from monitoring.models import Mention, Source
from monitoring.platforms import MODULES, client_for
from monitoring.platforms.base import PlatformError
from monitoring.selectors import source_credentials

logger = logging.getLogger(__name__)

ENGAGEMENT_FIELDS = ("likes", "reposts", "replies", "quotes", "views")


def mention_engagement_refresh(*, mention_ids: Iterable[int]) -> int:
    """Look the mentions up on their platforms and store fresh engagement counts.

    Grouped per source. Sources no platform client reads (webhook, import) are skipped; a
    platform error (building the client or looking up) skips that source (logged) and keeps
    its old counts, the other sources go on. Returns how many mentions were updated. Idempotent.
    """
    by_source: dict[int, list[Mention]] = defaultdict(list)
    for mention in Mention.objects.filter(pk__in=list(mention_ids), source__isnull=False):
        by_source[mention.source_id].append(mention)
    updated = 0
    for source in Source.objects.filter(pk__in=by_source, platform__in=list(MODULES)):
        mentions = {m.external_id: m for m in by_source[source.pk]}
        try:
            client = client_for(source.platform, source.settings, source_credentials(source=source))
            lookup = getattr(client, "lookup", None)
            page = lookup(list(mentions)) if lookup else None
        except PlatformError as exc:
            logger.warning(
                "monitoring.engagement_refresh.failed",
                extra={"source_id": source.pk, "error": type(exc).__name__},
            )
            continue
        if page is None:
            continue
        now = timezone.now()
        changed = []
        for post in page.posts:
            mention = mentions.get(post.external_id)
            if mention is None:
                continue
            for name in ENGAGEMENT_FIELDS:
                fresh = getattr(post, name)
                if fresh is not None:
                    setattr(mention, name, max(fresh, 0))
            mention.engagement_refreshed_at = now
            changed.append(mention)
        with transaction.atomic():
            Mention.objects.bulk_update(changed, [*ENGAGEMENT_FIELDS, "engagement_refreshed_at"])
        updated += len(changed)
    return updated
