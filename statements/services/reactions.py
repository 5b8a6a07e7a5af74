"""Reaction tracking: replies and quotes of posted statements, ingested as mentions (scored,
deduplicated by monitoring's import path) and linked to the publication."""

import logging

from django.db import transaction
from django.utils import timezone

from monitoring.credentials import credentials_decrypt
from monitoring.models import Mention
from monitoring.services.ingest import mention_import_batch
from statements.models import Publication, StatementReaction
from statements.publishing import Posted, publisher_build
from statements.selectors import publishing_account_get
from statements.services.drafting import statement_publish_event

logger = logging.getLogger(__name__)


def publication_reactions_fetch(*, publication: Publication) -> int:
    """Fetch the replies and quotes of a posted publication, store them as mentions (once)
    and link them. Returns how many links are new. Idempotent. Platform errors propagate."""
    account = publishing_account_get(
        workspace_id=publication.statement.workspace_id, channel=publication.channel
    )
    if account is None or not publication.posted:
        return 0
    client = publisher_build(
        publication.channel, account.settings, credentials_decrypt(account.credentials_encrypted)
    )
    own_ids = {part["id"] for part in publication.posted}
    root = Posted.from_dict(publication.posted[0])
    reactions = [r for r in client.reactions(root) if r.post.external_id not in own_ids]
    workspace_id = publication.statement.workspace_id
    if reactions:
        mention_import_batch(
            workspace_id=workspace_id, source_id=None, posts=[r.post for r in reactions]
        )
    kinds = {r.post.external_id: r.kind for r in reactions}
    with transaction.atomic():
        before = publication.reactions.count()
        ids = Mention.objects.filter(
            workspace_id=workspace_id, platform=publication.channel, external_id__in=list(kinds)
        ).values_list("pk", "external_id")
        StatementReaction.objects.bulk_create(
            [
                StatementReaction(publication=publication, mention_id=pk, kind=kinds[external_id])
                for pk, external_id in ids
            ],
            ignore_conflicts=True,
        )
        new = publication.reactions.count() - before
        Publication.objects.filter(pk=publication.pk).update(reactions_checked_at=timezone.now())
        if new:
            statement_publish_event(statement=publication.statement)
    logger.info(
        "statements.reactions.fetched",
        extra={"publication_id": publication.pk, "found": len(reactions), "new": new},
    )
    return new
