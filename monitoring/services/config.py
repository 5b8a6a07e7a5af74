"""Admin-edited configuration: sources (with encrypted credentials) and watch terms."""

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from monitoring.credentials import CredentialsUnreadable, credentials_decrypt, credentials_encrypt
from monitoring.exceptions import WatchTermDuplicate, WatchTermInvalid
from monitoring.models import Source, WatchTerm
from monitoring.query import QuerySyntaxError, parse_query
from monitoring.selectors import source_credential_keys
from monitoring.source_config import source_config_check


@transaction.atomic
def source_create(
    *,
    workspace_id: int,
    name: str,
    platform: str,
    settings: dict[str, Any],
    interval: int,
    credentials: dict[str, str] | None = None,
) -> Source:
    """Create an enabled source (no cursor: it starts from now); credentials are encrypted.

    Raises SourceConfigInvalid (400) if the platform lacks a credential or refuses the settings.
    """
    credentials = {k: v for k, v in (credentials or {}).items() if v}
    source_config_check(platform=platform, settings=settings, keys=set(credentials))
    return Source.objects.create(
        workspace_id=workspace_id,
        name=name,
        platform=platform,
        settings=settings,
        poll_interval_seconds=interval,
        credentials_encrypted=credentials_encrypt(credentials),
    )


@transaction.atomic
def source_update(
    *, source: Source, credentials: dict[str, str] | None = None, **fields: Any
) -> Source:
    """Update name, settings, poll interval or enabled flag (other fields are refused), and
    merge `credentials` into the stored ones (an empty value deletes that key).

    A change of settings or credentials is checked as in source_create (SourceConfigInvalid);
    pausing or renaming a source is always allowed.
    """
    allowed = {"name", "settings", "poll_interval_seconds", "is_enabled"}
    for key in fields:
        if key not in allowed:
            raise ValueError(f"source_update: {key} is not editable")
    update_fields = [*fields.keys()]
    merged = None
    if credentials is not None:
        try:
            stored = credentials_decrypt(source.credentials_encrypted)
        except CredentialsUnreadable:
            stored = {}  # the key changed: what is entered now replaces them
        merged = {k: v for k, v in {**stored, **credentials}.items() if v}
        update_fields.append("credentials_encrypted")
    if merged is not None or "settings" in fields:
        keys = set(merged if merged is not None else source_credential_keys(source=source) or [])
        settings = fields.get("settings", source.settings)
        source_config_check(platform=source.platform, settings=settings, keys=keys)
    for key, value in fields.items():
        setattr(source, key, value)
    if merged is not None:
        source.credentials_encrypted = credentials_encrypt(merged)
    source.save(update_fields=update_fields)
    return source


@transaction.atomic
def source_delete(*, source: Source) -> None:
    """Delete the source; its mentions stay (their source becomes empty)."""
    source.delete()


def _validated_query(query: str) -> str:
    query = query.strip()
    try:
        parse_query(query)
    except QuerySyntaxError as exc:
        raise WatchTermInvalid(_("Invalid watch term: %(error)s") % {"error": exc}) from exc
    return query


@transaction.atomic
def watch_term_create(*, workspace_id: int, query: str) -> WatchTerm:
    """Create a watch term after checking its syntax; raises WatchTermInvalid (400) or 409."""
    query = _validated_query(query)
    try:
        with transaction.atomic():
            return WatchTerm.objects.create(workspace_id=workspace_id, query=query)
    except IntegrityError as exc:
        raise WatchTermDuplicate(_("This watch term already exists.")) from exc


@transaction.atomic
def watch_term_update(
    *, term: WatchTerm, query: str | None = None, is_enabled: bool | None = None
) -> WatchTerm:
    """Change a term's query (syntax-checked) or enabled flag."""
    if query is not None:
        term.query = _validated_query(query)
    if is_enabled is not None:
        term.is_enabled = is_enabled
    term.save(update_fields=["query", "is_enabled"])
    return term


@transaction.atomic
def watch_term_delete(*, term: WatchTerm) -> None:
    """Delete the term; mentions keep the ids they matched."""
    term.delete()
