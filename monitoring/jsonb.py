"""What PostgreSQL's jsonb can store, checked before a service saves JSON typed by an admin
(source settings, alert rule parameters): it refuses a NUL character (\\u0000) anywhere, the
UTF-8 it is sent in cannot carry a lone surrogate, and NaN and Infinity are no JSON numbers.
Each of these was a 500 on save; the services refuse them as a 400 naming where they are.
"""

import math
from typing import Any

from monitoring.platforms.text import storable_as_is


def _text_refusal(text: str) -> str | None:
    if "\x00" in text:
        return "a NUL character (\\u0000) cannot be stored"
    if not storable_as_is(text):
        return "a lone surrogate (\\ud800-\\udfff) cannot be stored"
    return None


def _shown(key: str) -> str:
    """A key in a path, with what the message cannot show as it is escaped."""
    return key.replace("\x00", "\\u0000").encode(errors="backslashreplace").decode()[:60]


def jsonb_refusal(value: Any, path: str) -> str | None:
    """Why jsonb would refuse `value` (nested dicts and lists, keys too), naming the place
    from `path` on ("settings.feeds[0]: ..."), or None. Never quotes a string value (settings
    can hold a private feed's token). Iterative: any depth a JSON parser returns is checked."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if why := _text_refusal(item):
                return f"{where}: {why}"
        elif isinstance(item, float) and not math.isfinite(item):
            return f"{where}: NaN and Infinity are not JSON numbers"
        elif isinstance(item, dict):
            children = [(f"{where}.{_shown(str(key))}", key, child) for key, child in item.items()]
            for named, key, _child in children:
                if why := _text_refusal(str(key)):
                    return f"{named} (a key): {why}"
            stack.extend((named, child) for named, _key, child in reversed(children))
        elif isinstance(item, list | tuple):
            stack.extend((f"{where}[{i}]", child) for i, child in reversed(list(enumerate(item))))
    return None
