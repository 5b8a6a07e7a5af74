"""Protocols: create and change them; every change appends a version with a full snapshot."""

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Channel, Contact
from escalation.exceptions import ProtocolInUse, ProtocolInvalid
from escalation.models import EscalationProtocol, EscalationProtocolVersion, EscalationTier
from escalation.waits import WAIT_INVALID, wait_seconds_valid
from workspaces.models import Membership, Workspace

FIELDS = ("name", "min_severity", "language", "repeat_count", "is_enabled")
MAX_TIERS = 10


def tier_key(index: int) -> str:
    """The error key of a tier: 0-based like the API's `tiers` list ("tiers[0]" is the first)."""
    return f"tiers[{index}]"


def protocol_snapshot(protocol: EscalationProtocol) -> dict:
    """The protocol as plain JSON (what a version stores and a run follows)."""
    return {
        **{f: getattr(protocol, f) for f in FIELDS},
        "tiers": [
            {
                "position": tier.position,
                "contacts": [
                    {"id": c.pk, "name": c.name} for c in tier.contacts.all().order_by("id")
                ],
                "roles": list(tier.roles),
                "channels": list(tier.channels),
                "wait_seconds": tier.wait_seconds,
            }
            for tier in protocol.tiers.all().order_by("position")
        ],
    }


def _tiers_validate(*, workspace: Workspace, tiers: list[dict]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if not tiers:
        return {"tiers": [_("A protocol needs at least one tier.")]}
    if len(tiers) > MAX_TIERS:
        return {"tiers": [_("At most %(max)d tiers.") % {"max": MAX_TIERS}]}
    for index, tier in enumerate(tiers):
        problems = []
        contact_ids = list(dict.fromkeys(tier.get("contact_ids") or []))
        found = Contact.objects.filter(workspace=workspace, pk__in=contact_ids).count()
        if found != len(contact_ids):
            problems.append(_("Contacts must belong to this workspace."))
        if not contact_ids and not tier.get("roles"):
            problems.append(_("Name at least one contact or role."))
        if any(r not in Membership.Role.values for r in tier.get("roles") or []):
            problems.append(_("Unknown role."))
        channels = tier.get("channels") or []
        if not channels or any(c not in Channel.values for c in channels):
            problems.append(_("Choose one or more channels: email, sms, slack, teams."))
        if not wait_seconds_valid(tier.get("wait_seconds")):
            problems.append(str(WAIT_INVALID))
        if problems:
            errors[tier_key(index)] = problems
    return errors


def _validate(*, workspace: Workspace, values: dict, tiers: list[dict] | None) -> None:
    errors = {} if tiers is None else _tiers_validate(workspace=workspace, tiers=tiers)
    if not 1 <= int(values.get("min_severity", 1)) <= 4:
        errors["min_severity"] = [_("Severity must be 1 to 4.")]
    if values.get("language", "nl") not in ("nl", "en"):
        errors["language"] = [_("Language must be nl or en.")]
    if not str(values.get("name", "x")).strip():
        errors["name"] = [_("Give the protocol a name.")]
    if errors:
        raise ProtocolInvalid(_("The protocol is not valid."), {"errors": errors})


def _tiers_replace(protocol: EscalationProtocol, tiers: list[dict]) -> None:
    protocol.tiers.all().delete()
    for position, data in enumerate(tiers):
        tier = EscalationTier.objects.create(
            protocol=protocol,
            position=position,
            roles=list(dict.fromkeys(data.get("roles") or [])),
            channels=list(dict.fromkeys(data["channels"])),
            wait_seconds=data["wait_seconds"],
        )
        tier.contacts.set(data.get("contact_ids") or [])


def _version_append(protocol: EscalationProtocol, by: AbstractBaseUser | None) -> None:
    EscalationProtocolVersion.objects.create(
        protocol=protocol,
        number=protocol.version,
        snapshot=protocol_snapshot(protocol),
        changed_by=by if by is not None and by.is_authenticated else None,
        changed_at=timezone.now(),
    )


def _save(protocol: EscalationProtocol) -> None:
    try:
        with transaction.atomic():
            protocol.save()
    except IntegrityError as exc:
        raise ProtocolInvalid(
            _("This workspace already has a protocol for this severity."),
            {"errors": {"min_severity": [_("Already used by another protocol.")]}},
        ) from exc


@transaction.atomic
def protocol_create(
    *, workspace: Workspace, values: dict, tiers: list[dict], by: AbstractBaseUser | None
) -> EscalationProtocol:
    """Create a protocol with its tiers and version 1. Raises ProtocolInvalid (400) with
    reasons: no tiers, wait <= 0, contacts of another workspace, duplicate severity."""
    _validate(workspace=workspace, values=values, tiers=tiers)
    protocol = EscalationProtocol(
        workspace=workspace, **{k: values[k] for k in FIELDS if k in values}
    )
    _save(protocol)
    _tiers_replace(protocol, tiers)
    _version_append(protocol, by)
    return protocol


@transaction.atomic
def protocol_update(
    *, protocol: EscalationProtocol, values: dict, tiers: list[dict] | None,
    by: AbstractBaseUser | None,
) -> EscalationProtocol:  # fmt: skip
    """Change fields and (if given) replace the tiers; appends the next version. Running
    escalations keep following the version they started with."""
    protocol = EscalationProtocol.objects.select_for_update().get(pk=protocol.pk)
    merged = {**{f: getattr(protocol, f) for f in FIELDS}, **values}
    _validate(workspace=protocol.workspace, values=merged, tiers=tiers)
    for key in FIELDS:
        setattr(protocol, key, merged[key])
    protocol.version += 1
    _save(protocol)
    if tiers is not None:
        _tiers_replace(protocol, tiers)
    _version_append(protocol, by)
    return protocol


def protocol_delete(*, protocol: EscalationProtocol) -> None:
    """Delete a protocol that never ran; one with escalations is kept (disable it instead)."""
    if protocol.runs.exists():
        raise ProtocolInUse(_("This protocol has escalations; disable it instead of deleting."))
    protocol.delete()
