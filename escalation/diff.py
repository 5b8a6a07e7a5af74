"""What changed between two protocol snapshots (pure; for the version history)."""


def _tier_text(tier: dict) -> str:
    who = [c["name"] for c in tier.get("contacts", [])] + [f"@{r}" for r in tier.get("roles", [])]
    channels = ", ".join(tier.get("channels", []))
    return f"{', '.join(who)} via {channels}, wait {tier.get('wait_seconds')} s"


def snapshot_diff(before: dict | None, after: dict) -> list[dict]:
    """A list of {"field", "before", "after"} (tiers as "tiers[n]"); everything when no before."""
    before = before or {}
    changes = []
    for key in ("name", "min_severity", "language", "repeat_count", "is_enabled"):
        if before.get(key) != after.get(key):
            changes.append({"field": key, "before": before.get(key), "after": after.get(key)})
    old, new = before.get("tiers", []), after.get("tiers", [])
    for index in range(max(len(old), len(new))):
        a = _tier_text(old[index]) if index < len(old) else None
        b = _tier_text(new[index]) if index < len(new) else None
        if a != b:
            changes.append({"field": f"tiers[{index + 1}]", "before": a, "after": b})
    return changes
