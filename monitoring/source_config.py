"""What a source of each platform needs: its credential keys and a check of its configuration.

The add and edit forms build their credential fields from CREDENTIAL_KEYS, and the config
services run `source_config_check` before saving, so the pages and the API refuse the same
incomplete sources. The check needs only the names of the stored keys, never their values.
"""

import unicodedata
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from monitoring.exceptions import SourceConfigInvalid
from monitoring.importing import PUSHED_PLATFORMS
from monitoring.jsonb import jsonb_refusal
from monitoring.models import Platform
from monitoring.platforms import MODULES, client_for, settings_keys
from monitoring.platforms.base import settings_unknown_check


@dataclass(frozen=True)
class CredentialKey:
    key: str
    label: Any  # lazy translation
    required: bool = False
    secret: bool = True  # typed into a password field
    spaces: bool = False  # may hold spaces inside (a user agent); never control characters


CREDENTIAL_KEYS: dict[str, tuple[CredentialKey, ...]] = {
    "x": (CredentialKey("bearer_token", gettext_lazy("Bearer token"), required=True),),
    "reddit": (
        CredentialKey("client_id", gettext_lazy("Client ID"), required=True, secret=False),
        CredentialKey("client_secret", gettext_lazy("Client secret"), required=True),
        CredentialKey(
            "user_agent", gettext_lazy("User agent (optional)"), secret=False, spaces=True
        ),
    ),
    "mastodon": (CredentialKey("access_token", gettext_lazy("Access token (needed for search)")),),
    "bluesky": (
        CredentialKey("identifier", gettext_lazy("Handle or e-mail address"), secret=False),
        CredentialKey("app_password", gettext_lazy("App password")),
    ),
    "webhook": (CredentialKey("webhook_secret", gettext_lazy("Signing secret"), required=True),),
}

# Shown beside the settings field: the keys each platform reads (README "Sources and
# credentials" lists them all).
SETTINGS_EXAMPLES: dict[str, str] = {
    "demo": '{"scenario": "nl"}',
    "x": '{"query_suffix": "lang:nl -is:retweet"}',
    "reddit": '{"subreddits": ["thenetherlands", "nederland"]}',
    "news": '{"feeds": ["https://example.org/rss"]}',
    "mastodon": '{"instance": "https://mastodon.social", "hashtags": ["banknoord"], '
    '"search": true}',
    "bluesky": '{"lang": "nl"}',
    "webhook": '{"platform": "x"}',
}


WEBHOOK_SETTINGS_KEYS = ("platform",)


def credentials_missing(*, platform: str, settings: dict[str, Any], keys: set[str]) -> list[str]:
    """The credential keys the platform still needs, given the keys that are (or will be) set."""
    missing = [c.key for c in CREDENTIAL_KEYS.get(platform, ()) if c.required and c.key not in keys]
    pair = {"identifier", "app_password"}
    if platform == "bluesky" and len(pair & keys) == 1:
        missing += sorted(pair - keys)  # both or neither
    if platform == "mastodon" and settings.get("search") is True and "access_token" not in keys:
        missing.append("access_token")  # Mastodon answers an anonymous search with nothing
    return missing


def _refused_character(value: str, *, spaces: bool) -> bool:
    """Whether `value` holds a control or invisible format character, or whitespace other than
    the spaces a key may take: a header cannot carry it, and requests then quotes the whole
    header, token and all, in its error."""
    return any(
        unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")
        or (ch.isspace() and not (spaces and ch == " "))
        for ch in value
    )


def credentials_cleaned(*, platform: str, credentials: dict[str, str]) -> dict[str, str]:
    """The credential values with leading and trailing whitespace removed (an empty one stays
    empty). Raises SourceConfigInvalid (`extra`: `invalid`, the key) for a value with a line
    break, another control character or, but in a key that takes spaces, whitespace inside;
    the message names the key, never the value."""
    specs = {c.key: c for c in CREDENTIAL_KEYS.get(platform, ())}
    cleaned = {}
    for key, value in credentials.items():
        spec = specs.get(key)
        spaces = spec is not None and spec.spaces
        cleaned[key] = value.strip()
        if _refused_character(cleaned[key], spaces=spaces):
            message = (
                _("%(key)s must not contain line breaks, tabs or other invisible characters.")
                if spaces
                else _(
                    "%(key)s must not contain spaces, line breaks or other invisible characters."
                )
            )
            raise SourceConfigInvalid(
                message % {"key": spec.label if spec else key}, {"invalid": [key]}
            )
    return cleaned


def source_config_check(*, platform: str, settings: dict[str, Any], keys: set[str]) -> None:
    """Raise SourceConfigInvalid if a needed credential is missing or the platform's client
    refuses the settings, or PostgreSQL could not store them (a NUL, NaN); `extra` holds
    `missing` (keys) or `field: "settings"`."""
    if unstorable := jsonb_refusal(settings, "settings"):
        raise SourceConfigInvalid(
            _("Settings not accepted: %(error)s") % {"error": unstorable}, {"field": "settings"}
        )
    missing = credentials_missing(platform=platform, settings=settings, keys=keys)
    if missing:
        labels = {c.key: str(c.label) for c in CREDENTIAL_KEYS.get(platform, ())}
        raise SourceConfigInvalid(
            _("%(platform)s needs: %(keys)s.")
            % {
                "platform": Platform(platform).label,
                "keys": ", ".join(labels.get(k, k) for k in missing),
            },
            {"missing": missing},
        )
    if platform == Platform.WEBHOOK:
        pushed_as = settings.get("platform", Platform.WEBHOOK)
        if pushed_as not in PUSHED_PLATFORMS:
            raise SourceConfigInvalid(
                _("Settings not accepted: platform must be one of %(platforms)s.")
                % {"platforms": ", ".join(PUSHED_PLATFORMS)},
                {"field": "settings"},
            )
    if platform not in MODULES and platform != Platform.WEBHOOK:
        return  # an import source: no settings are read
    try:
        # Keys no client reads are refused here only, on save: a source saved with one before
        # keeps polling.
        settings_unknown_check(
            settings, settings_keys(platform) if platform in MODULES else WEBHOOK_SETTINGS_KEYS
        )
        if platform in MODULES:  # build the client as a poll would, with stand-in secrets
            client_for(platform, settings, dict.fromkeys(keys, "set"))
    except Exception as exc:  # building makes no request: whatever it raises is about settings
        raise SourceConfigInvalid(
            _("Settings not accepted: %(error)s") % {"error": exc}, {"field": "settings"}
        ) from exc
