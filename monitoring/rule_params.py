"""What alert rule parameters may hold; shared by the API serializer and the admin form."""

from typing import Any

# Numeric parameters and their allowed range.
NUMERIC = {
    "threshold": (1, 100_000),
    "window_minutes": (1, 7 * 24 * 60),
    "min_mentions": (1, 10_000),
    "min_followers": (1, 10**10),
    "min_per_minute": (0.1, 100_000),
}


def rule_params_validate(params: dict[str, Any]) -> dict[str, Any]:
    """Return the params if valid; raise ValueError naming the offending key otherwise."""
    for key, value in params.items():
        if key in NUMERIC:
            low, high = NUMERIC[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{key}: must be a number")
            if not low <= value <= high:
                raise ValueError(f"{key}: must be between {low} and {high}")
        elif key == "terms":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise ValueError("terms: must be a list of strings")
        elif key == "verified":
            if not isinstance(value, bool):
                raise ValueError("verified: must be true or false")
        elif key == "detector":
            if not isinstance(value, dict):
                raise ValueError("detector: must be an object of detector settings")
        else:
            raise ValueError(f"{key}: unknown parameter")
    return params
