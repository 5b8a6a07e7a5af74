"""What a rule check returns when it fires."""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Finding:
    """The numbers behind an alert and the mentions that triggered it."""

    details: dict[str, Any]
    mention_ids: list[int]
