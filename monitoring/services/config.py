"""Admin-edited configuration: sources (with encrypted credentials) and watch terms."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from monitoring.credentials import CredentialsUnreadable, credentials_decrypt, credentials_encrypt
from monitoring.exceptions import SourceConfigInvalid, WatchTermDuplicate, WatchTermInvalid
from monitoring.models import Source, WatchTerm
from monitoring.query import QuerySyntaxError, parse_query
from monitoring.selectors import source_credential_keys, watch_term_queries
from monitoring.services.polling import search_unfit
from monitoring.source_config import credentials_cleaned, source_config_check


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

    Raises SourceConfigInvalid (400) if the platform lacks a credential or refuses the settings,
    or a credential holds a line break or another character a header cannot carry.
    """
    credentials = credentials_cleaned(platform=platform, credentials=credentials or {})
    credentials = {k: v for k, v in credentials.items() if v}
    source_config_check(platform=platform, settings=settings, keys=set(credentials))
    _terms_fit_check(workspace_id=workspace_id, platform=platform, settings=settings)
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
    pausing or renaming a source is always allowed. A change of settings or credentials, or
    enabling the source, makes it due at once (`_poll_soon`).
    """
    allowed = {"name", "settings", "poll_interval_seconds", "is_enabled"}
    for key in fields:
        if key not in allowed:
            raise ValueError(f"source_update: {key} is not editable")
    update_fields = [*fields.keys()]
    merged = stored = None
    if credentials is not None:
        credentials = credentials_cleaned(platform=source.platform, credentials=credentials)
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
        _terms_fit_check(
            workspace_id=source.workspace_id, platform=source.platform, settings=settings
        )
    changed = fields.get("settings", source.settings) != source.settings
    enabled = fields.get("is_enabled") is True and not source.is_enabled
    for key, value in fields.items():
        setattr(source, key, value)
    if merged is not None:
        source.credentials_encrypted = credentials_encrypt(merged)
    if _poll_soon(source, changed=changed or enabled, credentials_changed=merged != stored):
        update_fields += ["next_poll_at", "rate_limit"]
    source.save(update_fields=update_fields)
    return source


def _poll_soon(source: Source, *, changed: bool, credentials_changed: bool) -> bool:
    """Make the source due now (True) after a change that may mend it: a Down or Lagging source
    otherwise waits out its failure backoff first. Health and failure counts stay: the next
    poll decides. A platform's rate-limit wait stays too, but for new credentials."""
    if not (changed or credentials_changed):
        return False
    if source.rate_limited_until is not None:
        if not credentials_changed:
            return False
        # New credentials have a budget of their own: the old wait no longer shows.
        source.rate_limit = {k: v for k, v in source.rate_limit.items() if k != "limited_until"}
    source.next_poll_at = timezone.now()
    return True


@transaction.atomic
def source_delete(*, source: Source) -> None:
    """Delete the source; its mentions stay (their source becomes empty)."""
    source.delete()


def _terms_fit_check(*, workspace_id: int, platform: str, settings: dict[str, Any]) -> None:
    """Raise SourceConfigInvalid if a watch term of the workspace would not fit in the searches
    of a source with these settings (an X `query_suffix` takes room from every search)."""
    queries = list(watch_term_queries(workspace_id=workspace_id).values())
    unfit = search_unfit(platform=platform, settings=settings, queries=queries)
    if unfit is not None:
        raise SourceConfigInvalid(
            _("Settings not accepted: a watch term would no longer fit in the searches: %(error)s")
            % {"error": _query_error_text(unfit)},
            {"field": "settings"},
        )


def _query_error_text(exc: QuerySyntaxError) -> str:
    """The error in the active language: its English template is in the translation
    catalogue (marked with `gettext_noop` in monitoring/query), filled with its values."""
    return exc.message_in(_(exc.template))


def _validated_query(query: str, *, workspace_id: int) -> str:
    """The query, stripped, if it parses and fits in the searches of each of the workspace's
    sources (raises WatchTermInvalid)."""
    query = query.strip()
    try:
        parsed = parse_query(query)
    except QuerySyntaxError as exc:
        message = _("Invalid watch term: %(error)s") % {"error": _query_error_text(exc)}
        raise WatchTermInvalid(message) from exc
    for source in Source.objects.filter(workspace_id=workspace_id).only(
        "name", "platform", "settings"
    ):
        unfit = search_unfit(platform=source.platform, settings=source.settings, queries=[parsed])
        if unfit is not None:
            raise WatchTermInvalid(
                _("Too long for the searches of source %(source)s: %(error)s")
                % {"source": source.name, "error": _query_error_text(unfit)}
            )
    return query


@transaction.atomic
def watch_term_create(*, workspace_id: int, query: str) -> WatchTerm:
    """Create a watch term after checking its syntax; raises WatchTermInvalid (400) or 409."""
    query = _validated_query(query, workspace_id=workspace_id)
    with _duplicate_refused():
        return WatchTerm.objects.create(workspace_id=workspace_id, query=query)


@transaction.atomic
def watch_term_update(
    *, term: WatchTerm, query: str | None = None, is_enabled: bool | None = None
) -> WatchTerm:
    """Change a term's query (syntax-checked) or enabled flag; raises WatchTermInvalid (400)
    or WatchTermDuplicate (409) when the workspace has that query already."""
    if query is not None:
        term.query = _validated_query(query, workspace_id=term.workspace_id)
    if is_enabled is not None:
        term.is_enabled = is_enabled
    with _duplicate_refused():
        term.save(update_fields=["query", "is_enabled"])
    return term


@contextmanager
def _duplicate_refused() -> Iterator[None]:
    """Raise WatchTermDuplicate (409) for a query the workspace has already
    (`uniq_watchterm_ws_query`); the savepoint keeps the caller's transaction usable."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as exc:
        raise WatchTermDuplicate(_("This watch term already exists.")) from exc


@transaction.atomic
def watch_term_delete(*, term: WatchTerm) -> None:
    """Delete the term; mentions keep the ids they matched."""
    term.delete()
