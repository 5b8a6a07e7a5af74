"""Writes for monitoring (STYLE 3.2/3.3), split by sub-domain.

- ingest: store pages of posts (idempotent), dead letters, publish after commit;
- polling: lease, fetch outside transactions, ingest, health;
- rules: alert rules and alerts;
- config: sources, credentials and watch terms (admin-edited configuration);
- imports: webhook pushes and file imports.
"""

from monitoring.services.config import (
    source_create,
    source_delete,
    source_update,
    watch_term_create,
    watch_term_delete,
    watch_term_update,
)
from monitoring.services.engagement import mention_engagement_refresh
from monitoring.services.imports import (
    import_job_create,
    import_job_run,
    mentions_import_stream,
    webhook_ingest,
    webhook_signature,
)
from monitoring.services.ingest import StoreResult, mention_import_batch, mention_ingest_batch
from monitoring.services.poll_errors import PollFailed, poll_failure
from monitoring.services.polling import (
    PollResult,
    source_lease_acquire,
    source_poll,
    sources_claim_due,
)
from monitoring.services.rules import (
    alert_rule_create,
    alert_rule_delete,
    alert_rule_evaluate,
    alert_rule_update,
    alert_rules_evaluate,
)

__all__ = [
    "PollFailed",
    "PollResult",
    "StoreResult",
    "alert_rule_create",
    "alert_rule_delete",
    "alert_rule_evaluate",
    "alert_rule_update",
    "alert_rules_evaluate",
    "import_job_create",
    "import_job_run",
    "mention_engagement_refresh",
    "mention_import_batch",
    "mention_ingest_batch",
    "mentions_import_stream",
    "poll_failure",
    "source_create",
    "source_delete",
    "source_lease_acquire",
    "source_poll",
    "source_update",
    "sources_claim_due",
    "watch_term_create",
    "watch_term_delete",
    "watch_term_update",
    "webhook_ingest",
    "webhook_signature",
]
