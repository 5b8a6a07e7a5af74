"""Sources, watch terms, mentions, alert rules and alerts (one workspace owns each)."""

from collections import defaultdict
from datetime import datetime

from django.conf import settings as django_settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _

from monitoring.sentiment import sentiment_label
from workspaces.models import Workspace


class Platform(models.TextChoices):
    DEMO = "demo", _("Demo feed")
    X = "x", "X"
    REDDIT = "reddit", "Reddit"
    NEWS = "news", _("News")
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    WEBHOOK = "webhook", _("Webhook")
    IMPORT = "import", _("Import")


class KeptJSONField(models.JSONField):
    """JSON stored as text, never queried inside: PostgreSQL's `json` type (the text, checked)
    rather than `jsonb`, whose parsing into its binary form costs about 2 µs of server CPU per
    raw platform payload on ingest (bench/README.md). Rows ingested by COPY keep the key order
    they were encoded in. On PostgreSQL `json` has no operators: no key lookups (`raw__id`), no
    equality, and no DISTINCT, UNION or GROUP BY over a queryset selecting the column (defer it).
    Elsewhere the same as JSONField."""

    def db_type(self, connection):
        return "json" if connection.vendor == "postgresql" else super().db_type(connection)

    def select_format(self, compiler, sql, params):
        # Read as text, as Django reads jsonb, for `from_db_value` to decode (psycopg would
        # decode `json` itself).
        sql, params = super().select_format(compiler, sql, params)
        if compiler.connection.vendor == "postgresql":
            return f"({sql})::text", params
        return sql, params


class Source(models.Model):
    class Health(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        OK = "ok", _("Live")
        LAGGING = "lagging", _("Lagging")
        DOWN = "down", _("Down")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="sources")
    name = models.CharField(_("name"), max_length=200)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    cursor = models.JSONField(_("cursor"), default=dict, blank=True)
    poll_interval_seconds = models.PositiveIntegerField(_("poll interval (seconds)"), default=60)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    health = models.CharField(
        _("health"), max_length=10, choices=Health.choices, default=Health.UNKNOWN
    )
    last_polled_at = models.DateTimeField(_("last polled at"), null=True, blank=True)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    last_item_count = models.PositiveIntegerField(_("items in last poll"), default=0)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    # First failed poll of the current run of failures (meaningful while consecutive_failures
    # > 0): "down" needs failures over a stretch of time, not three in a row within seconds.
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    # Secrets (API tokens, webhook key) as Fernet ciphertext; never shown back (credentials.py).
    credentials_encrypted = models.TextField(blank=True, editable=False)
    # Monthly read quota where the platform has one (X): {"used", "cap", "reset_day",
    # "checked_at"}.
    quota = models.JSONField(_("monthly quota"), default=dict, blank=True)
    # Last rate-limit budget the platform reported: {"remaining", "limit", "reset_at"}; after
    # a 429 also "limited_until", when polling resumes.
    rate_limit = models.JSONField(_("rate limit"), default=dict, blank=True)
    # Not polled before this time (a 429's reset time, or the backoff after a failed poll): the
    # scheduler and the lease skip the source until then, and it is due at once after it.
    # Null: the poll interval alone decides.
    next_poll_at = models.DateTimeField(_("next poll at"), null=True, blank=True)
    # Poll lease: one poll per source at a time (conditional UPDATE, see services).
    lease_until = models.DateTimeField(null=True, blank=True)
    # Task id holding the lease: a redelivered message (same id, after a worker crash) may
    # take its own lease back instead of waiting for it to expire.
    lease_owner = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["workspace", "name"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return f"{self.name} ({self.get_platform_display()})"

    @property
    def rate_limited_until(self) -> datetime | None:
        """When polling resumes after the platform's 429, while it still waits; else None."""
        until = (self.rate_limit or {}).get("limited_until")
        if not until:
            return None
        resume = datetime.fromisoformat(until)
        return resume if resume > timezone.now() else None


class WatchTerm(models.Model):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="watch_terms")
    query = models.CharField(_("query"), max_length=500)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["query"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "query"], name="uniq_watchterm_ws_query")
        ]
        verbose_name = _("watch term")
        verbose_name_plural = _("watch terms")

    def __str__(self) -> str:
        return self.query


class Mention(models.Model):
    # The busiest table: no database-level foreign keys (their per-row checks cost PostgreSQL
    # about a sixth of each insert; bench/README.md). Django still cascades and nulls on
    # delete, and ingest takes both ids from the Source it has just read. No index of its own
    # for workspace: the natural key and (workspace, posted_at) lead with it.
    workspace = models.ForeignKey(
        Workspace,
        on_delete=models.CASCADE,
        related_name="mentions",
        db_constraint=False,
        db_index=False,
    )
    source = models.ForeignKey(
        Source,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentions",
        db_constraint=False,
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    external_id = models.CharField(_("external id"), max_length=200)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    author_handle = models.CharField(_("author"), max_length=200, blank=True)
    author_name = models.CharField(_("author name"), max_length=200, blank=True)
    author_followers = models.PositiveBigIntegerField(_("author followers"), default=0)
    author_verified = models.BooleanField(_("verified author"), default=False)
    author_created_at = models.DateTimeField(_("author account created"), null=True, blank=True)
    author_is_outlet = models.BooleanField(_("news outlet"), default=False)
    text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=10, blank=True)
    posted_at = models.DateTimeField(_("posted at"))
    fetched_at = models.DateTimeField(_("fetched at"))
    sentiment_compound = models.FloatField(default=0.0)
    sentiment_pos = models.FloatField(default=0.0)
    sentiment_neu = models.FloatField(default=1.0)
    sentiment_neg = models.FloatField(default=0.0)
    sentiment_scorer = models.CharField(max_length=20, blank=True)
    likes = models.PositiveBigIntegerField(default=0)
    reposts = models.PositiveBigIntegerField(default=0)
    replies = models.PositiveBigIntegerField(default=0)
    quotes = models.PositiveBigIntegerField(default=0)
    views = models.PositiveBigIntegerField(null=True, blank=True)
    reply_to = models.CharField(_("reply to"), max_length=200, blank=True)
    quote_of = models.CharField(_("quote of"), max_length=200, blank=True)
    repost_of = models.CharField(_("repost of"), max_length=200, blank=True)
    conversation_id = models.CharField(_("conversation"), max_length=200, blank=True)
    urls = models.JSONField(_("links"), default=list, blank=True)
    hashtags = models.JSONField(_("hashtags"), default=list, blank=True)
    # Ids of the workspace's WatchTerms whose query matched the text when it was stored.
    matched_terms = models.JSONField(_("matched watch terms"), default=list, blank=True)
    engagement_refreshed_at = models.DateTimeField(null=True, blank=True)
    raw = KeptJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-posted_at", "-id"]
        constraints = [
            # The natural key that makes ingest idempotent (INSERT ... ON CONFLICT DO NOTHING).
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="uniq_mention_natural_key"
            )
        ]
        indexes = [models.Index(fields=["workspace", "posted_at"], name="mention_ws_posted")]
        verbose_name = _("mention")
        verbose_name_plural = _("mentions")

    def __str__(self) -> str:
        return f"{self.platform}:{self.external_id}"

    @property
    def sentiment_label(self) -> str:
        return sentiment_label(self.sentiment_compound)


class AlertRule(models.Model):
    class Kind(models.TextChoices):
        NEGATIVE_BURST = "negative_burst", _("Negative burst")
        RISK_TERMS = "risk_terms", _("Risk terms")
        HIGH_REACH = "high_reach", _("High reach")
        VIRALITY = "virality", _("Viral post")
        VOLUME_SPIKE = "volume_spike", _("Volume spike")
        NEGATIVITY_SURGE = "negativity_surge", _("Negativity surge")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    # negative_burst: {"threshold": N negative mentions, "window_minutes": M}
    params = models.JSONField(_("parameters"), default=dict)
    cooldown_minutes = models.PositiveIntegerField(_("cooldown (minutes)"), default=10)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    last_fired_at = models.DateTimeField(null=True, blank=True)
    # Volume spike / negativity surge: the seasonal detector's state between evaluations.
    detector_state = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")

    def __str__(self) -> str:
        return self.name


class Alert(models.Model):
    class Status(models.TextChoices):
        NEW = "new", _("New")
        CRISIS = "crisis", _("Crisis")
        MONITOR = "monitor", _("Monitor")
        DISMISSED = "dismissed", _("Not a crisis")
        ATTACHED = "attached", _("Attached to an incident")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="alerts")
    rule = models.ForeignKey(
        AlertRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="alerts"
    )
    rule_kind = models.CharField(_("rule"), max_length=30)
    severity = models.PositiveSmallIntegerField(_("severity"), default=2)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    # The numbers behind the alert: observed, expected/threshold, window (minutes).
    details = models.JSONField(_("details"), default=dict)
    mention_ids = models.JSONField(_("mentions"), default=list)
    created_at = models.DateTimeField(_("created at"))
    # Grouping: later firings about the same topic update this alert instead of a new one.
    occurrences = models.PositiveIntegerField(_("occurrences"), default=1)
    last_seen_at = models.DateTimeField(_("last seen at"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    triaged_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "created_at"], name="alert_ws_created")]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")

    def __str__(self) -> str:
        return f"{self.rule_kind} #{self.pk}"

    class Kind(models.TextChoices):
        NEGATIVE_BURST = "negative_burst", _("Negative burst")
        RISK_TERMS = "risk_terms", _("Risk terms")
        HIGH_REACH = "high_reach", _("High reach")
        VIRALITY = "virality", _("Viral post")
        VOLUME_SPIKE = "volume_spike", _("Volume spike")
        NEGATIVITY_SURGE = "negativity_surge", _("Negativity surge")
        SOURCE_DOWN = "source_down", _("Source down")
        RESPONSE_CLOCK = "response_clock", _("Response clock breached")

    @property
    def title(self) -> str:
        try:
            return str(Alert.Kind(self.rule_kind).label)
        except ValueError:
            return self.rule_kind

    @property
    def explanation(self) -> str:
        """The numbers behind the alert, in the active language."""
        d = self.details
        templates = {
            Alert.Kind.SOURCE_DOWN: _(
                "Source %(source)s failed %(failures)s polls in a row: %(error)s"
            ),
            Alert.Kind.RESPONSE_CLOCK: _(
                "No first public reaction on incident %(incident)s within %(minutes)s minutes."
            ),
            Alert.Kind.NEGATIVE_BURST: _(
                "%(observed)s negative mentions in the last %(window_minutes)s minutes "
                "(threshold %(threshold)s)."
            ),
            Alert.Kind.RISK_TERMS: _(
                "%(observed)s mentions with risk terms (%(terms)s) in the last "
                "%(window_minutes)s minutes."
            ),
            Alert.Kind.HIGH_REACH: _(
                "%(author)s (%(followers)s followers%(why)s) mentioned you: %(observed)s "
                "high-reach mention(s) in the last %(window_minutes)s minutes."
            ),
            Alert.Kind.VIRALITY: _(
                "A post by %(author)s gets %(observed)s reposts and replies per minute "
                "(threshold %(threshold)s)."
            ),
            Alert.Kind.VOLUME_SPIKE: _(
                "%(observed)s mentions in %(window_minutes)s minutes where about %(expected)s "
                "were expected (score %(score)s)."
            ),
            Alert.Kind.NEGATIVITY_SURGE: _(
                "%(observed_pct)s%% negative in %(window_minutes)s minutes where about "
                "%(expected_pct)s%% was expected (score %(score)s)."
            ),
        }
        template = templates.get(self.rule_kind)
        if self.rule_kind == Alert.Kind.HIGH_REACH and d.get("outlet") and not d.get("followers"):
            # A news outlet has no follower count: its reach is the article's, not "0 followers".
            template = _(
                "%(author)s (news outlet) mentioned you: %(observed)s high-reach mention(s) in "
                "the last %(window_minutes)s minutes."
            )
        if template is None:
            return ""
        values = defaultdict(lambda: "?", {k: v for k, v in d.items() if not isinstance(v, dict)})
        if isinstance(d.get("terms"), list):
            values["terms"] = ", ".join(d["terms"])
        if isinstance(d.get("followers"), int):
            values["followers"] = number_format(d["followers"], force_grouping=True)
        values["why"] = (
            _(", news outlet") if d.get("outlet") else _(", verified") if d.get("verified") else ""
        )
        text = str(template) % values
        if recovered := self.recovered_at:
            when = date_format(timezone.localtime(recovered), "SHORT_DATETIME_FORMAT")
            text += " " + str(_("Live again since %(when)s.") % {"when": when})
        return text

    @property
    def recovered_at(self) -> datetime | None:
        """When the source of a `source_down` alert was live again (None: not yet)."""
        value = self.details.get("recovered_at") if isinstance(self.details, dict) else None
        try:
            return datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            return None


class DeadLetter(models.Model):
    """An item that could not be parsed or stored, kept with the reason and the raw body."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="dead_letters")
    source = models.ForeignKey(
        Source, on_delete=models.SET_NULL, null=True, blank=True, related_name="dead_letters"
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    reason = models.TextField(_("reason"))
    raw = models.TextField(_("raw body"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("dead letter")
        verbose_name_plural = _("dead letters")

    def __str__(self) -> str:
        return f"{self.platform}: {self.reason[:60]}"


class ImportJob(models.Model):
    """An uploaded file being imported: long work is a row with status and progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="imports")
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    filename = models.CharField(_("file"), max_length=200)
    format = models.CharField(_("format"), max_length=10)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    # The file itself, so web and worker need no shared disk; cleared when done.
    content = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    # Of the duplicates: rows with another text than the stored mention (kept as stored).
    differing = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.filename
