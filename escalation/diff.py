"""What changed between two protocol snapshots (for the version history), in words in the
active language: "Tier 1: Anna de Vries, Admin via E-mail, SMS; wait 10 minutes"."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from contacts.models import Channel
from escalation.services.protocols import tier_key
from escalation.waits import wait_text
from workspaces.models import Membership

FIELD_LABELS = {
    "name": gettext_lazy("Name"),
    "min_severity": gettext_lazy("From severity"),
    "language": gettext_lazy("Message language"),
    "repeat_count": gettext_lazy("Repeat rounds"),
    "is_enabled": gettext_lazy("Enabled"),
}


def _label(choices: type, value: str) -> str:
    return str(choices(value).label) if value in choices.values else value


def tier_text(tier: dict) -> str:
    """One tier of a snapshot for people: who, on which channels, how long it waits."""
    who = [c["name"] for c in tier.get("contacts", [])]
    who += [_label(Membership.Role, r) for r in tier.get("roles", [])]
    return _("%(who)s via %(channels)s; wait %(wait)s") % {
        "who": ", ".join(who) or "—",
        "channels": ", ".join(_label(Channel, c) for c in tier.get("channels", [])),
        "wait": wait_text(tier.get("wait_seconds") or 0),
    }


def snapshot_diff(before: dict | None, after: dict) -> list[dict]:
    """A list of {"field", "label", "before", "after"}; everything when no before. Tiers are
    "tiers[0]", "tiers[1]", … (0-based like the API's `tiers` list) labelled "Tier 1", …,
    with their text as before/after."""
    before = before or {}
    changes = []
    for key in ("name", "min_severity", "language", "repeat_count", "is_enabled"):
        if before.get(key) != after.get(key):
            changes.append({"field": key, "label": str(FIELD_LABELS[key]),
                            "before": before.get(key), "after": after.get(key)})  # fmt: skip
    old, new = before.get("tiers", []), after.get("tiers", [])
    for index in range(max(len(old), len(new))):
        a = tier_text(old[index]) if index < len(old) else None
        b = tier_text(new[index]) if index < len(new) else None
        if a != b:
            label = _("Tier %(n)d") % {"n": index + 1}
            changes.append({"field": tier_key(index), "label": label, "before": a, "after": b})
    return changes
