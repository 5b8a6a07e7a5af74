"""Reads for escalation, scoped to the user's workspaces."""

from django.db.models import Prefetch, QuerySet

from contacts.models import Channel
from escalation.channels import sms_gateway_configured
from escalation.diff import snapshot_diff, tier_text
from escalation.models import (
    Delivery,
    EscalationProtocol,
    EscalationProtocolVersion,
    EscalationRun,
    EscalationTier,
)
from escalation.tokens import ack_token_read
from workspaces.selectors import workspace_list_for_user


def protocol_list(*, user, workspace: str | None = None) -> QuerySet[EscalationProtocol]:
    """Protocols in the user's workspaces (optionally one by slug), tiers prefetched."""
    qs = EscalationProtocol.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    tiers = EscalationTier.objects.order_by("position").prefetch_related("contacts")
    return qs.select_related("workspace").prefetch_related(Prefetch("tiers", queryset=tiers))


def tiers_sms_unreachable(tiers: list[dict]) -> bool:
    """True when a tier sends SMS and no SMS gateway is configured (every SMS would fail)."""
    uses_sms = any(Channel.SMS in (t.get("channels") or []) for t in tiers)
    return uses_sms and not sms_gateway_configured()


def protocol_list_described(*, user, workspace: str) -> list[EscalationProtocol]:
    """protocol_list for the protocols page: each with `tier_texts` (one sentence per tier in
    the active language) and `sms_unreachable` (see tiers_sms_unreachable)."""
    protocols = list(protocol_list(user=user, workspace=workspace))
    for protocol in protocols:
        tiers = [
            {"contacts": [{"name": c.name} for c in t.contacts.all()], "roles": t.roles,
             "channels": t.channels, "wait_seconds": t.wait_seconds}
            for t in protocol.tiers.all()
        ]  # fmt: skip
        protocol.tier_texts = [tier_text(t) for t in tiers]
        protocol.sms_unreachable = tiers_sms_unreachable(tiers)
    return protocols


def protocol_history(*, protocol: EscalationProtocol) -> list[EscalationProtocolVersion]:
    """Every version, newest first, each with `changes`: what it changed since the one
    before (everything for the first)."""
    versions = list(protocol.versions.select_related("changed_by").order_by("-number"))
    for index, version in enumerate(versions):
        previous = versions[index + 1].snapshot if index + 1 < len(versions) else None
        version.changes = snapshot_diff(previous, version.snapshot)
    return versions


def run_list(
    *, user, workspace: str | None = None, active_only: bool = False
) -> QuerySet[EscalationRun]:
    """Escalations in the user's workspaces, newest first, deliveries prefetched."""
    qs = EscalationRun.objects.filter(workspace__in=workspace_list_for_user(user=user))
    if workspace:
        qs = qs.filter(workspace__slug=workspace)
    if active_only:
        qs = qs.filter(status=EscalationRun.Status.ACTIVE)
    deliveries = Delivery.objects.order_by("round", "tier_index", "id")
    return qs.select_related("workspace", "incident", "protocol", "version").prefetch_related(
        Prefetch("deliveries", queryset=deliveries)
    )


def delivery_get_for_send(*, delivery_id: int) -> Delivery | None:
    """A delivery for the send task, or None if it vanished."""
    return (
        Delivery.objects.select_related(
            "run", "run__incident", "run__workspace", "run__protocol", "run__version", "contact"
        )
        .filter(pk=delivery_id)
        .first()
    )


def delivery_for_token(*, token: str) -> Delivery | None:
    """The delivery an acknowledge link points at (raises AckLinkInvalid/AckLinkExpired)."""
    return (
        Delivery.objects.select_related("run", "run__incident", "run__workspace")
        .filter(pk=ack_token_read(token))
        .first()
    )
