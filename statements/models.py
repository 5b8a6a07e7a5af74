"""Statements: templates, the statement with its platform variants, versions, audit trail,
publishing accounts and publications, and the reactions they drew."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from incidents.models import Incident
from monitoring.models import Mention
from playbooks.models import Scenario  # one list of scenarios, shared with playbooks
from workspaces.models import Workspace


class Language(models.TextChoices):
    NL = "nl", _("Dutch")
    EN = "en", _("English")


class Channel(models.TextChoices):
    X = "x", "X"
    LINKEDIN = "linkedin", "LinkedIn"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    WEBSITE = "website", _("Website")
    PRESS_RELEASE = "press_release", _("Press release")


# Platforms CrisisCenter can post to itself (with a publishing account); the rest are manual.
AUTOMATED_CHANNELS = (Channel.X, Channel.MASTODON, Channel.BLUESKY)


class StatementTemplate(models.Model):
    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="statement_templates"
    )
    scenario = models.CharField(_("scenario"), max_length=20, choices=Scenario.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    is_starter = models.BooleanField(_("starter template"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["scenario", "language", "title"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "scenario", "language", "title"],
                name="uniq_statement_template_title",
            )
        ]
        verbose_name = _("statement template")
        verbose_name_plural = _("statement templates")

    def __str__(self) -> str:
        return self.title


class Statement(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="statements")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="statements")
    template = models.ForeignKey(
        StatementTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    placeholder_values = models.JSONField(_("placeholder values"), default=dict, blank=True)
    rejection_reason = models.TextField(_("rejection reason"), blank=True)
    # The final texts (placeholders filled) as approved: what is published, kept whatever
    # happens to a publication.
    approved_texts = models.JSONField(_("approved texts"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")

    def __str__(self) -> str:
        return self.title

    @property
    def approved_variants(self) -> list[tuple[str, str]]:
        """(platform label, text) of the approved texts, in platform order."""
        texts = self.approved_texts or {}
        return [(label, texts[code]) for code, label in Channel.choices if texts.get(code)]


class StatementVariant(models.Model):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="variants")
    channel = models.CharField(_("platform"), max_length=20, choices=Channel.choices)
    text = models.TextField(_("text"), blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "channel"], name="uniq_variant_channel")
        ]
        verbose_name = _("platform variant")
        verbose_name_plural = _("platform variants")

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.channel}"


class StatementVersion(models.Model):
    """A saved state of all variants, with the unified diff against the previous version."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    variants = models.JSONField(_("variants"), default=dict)
    diff = models.TextField(_("changes"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "number"], name="uniq_statement_version")
        ]
        verbose_name = _("statement version")
        verbose_name_plural = _("statement versions")

    def __str__(self) -> str:
        return f"{self.statement_id} v{self.number}"


class StatementAudit(models.Model):
    """Who did what to a statement, when. Append-only."""

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        EDITED = "edited", _("Edited")
        SUBMITTED = "submitted", _("Submitted for review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        RETURNED = "returned", _("Sent back to review")
        PUBLISH_REQUESTED = "publish_requested", _("Publishing started")
        PUBLISHED = "published", _("Published")
        PUBLISH_FAILED = "publish_failed", _("Publishing failed")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="audit")
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(_("at"))
    version = models.PositiveIntegerField(_("version"), default=0)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("statement audit entry")
        verbose_name_plural = _("statement audit entries")

    def __str__(self) -> str:
        return f"{self.statement_id} {self.action}"


class PublishingAccount(models.Model):
    """The workspace's account on a platform we post to; secrets encrypted, never shown."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="publishing_accounts"
    )
    # One of AUTOMATED_CHANNELS (checked by the API); the full choices keep one enum.
    channel = models.CharField(_("platform"), max_length=20, choices=Channel.choices)
    # Public settings: {"instance": "https://…"} (Mastodon), {"handle": …, "service": …}
    # (Bluesky), {"username": …} (X, for post URLs).
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    credentials_encrypted = models.TextField(blank=True, editable=False)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "channel"], name="uniq_publishing_account")
        ]
        verbose_name = _("publishing account")
        verbose_name_plural = _("publishing accounts")

    def __str__(self) -> str:
        return f"{self.workspace_id}/{self.channel}"


class Publication(models.Model):
    """One variant going out on one platform: its parts (a thread) as they are posted."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        POSTED = "posted", _("Posted")
        FAILED = "failed", _("Failed")

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="publications")
    channel = models.CharField(_("platform"), max_length=20, choices=Channel.choices)
    is_manual = models.BooleanField(_("marked by hand"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # The thread as it will be posted; `posted` holds each part once the platform took it:
    # [{"id": …, "url": …, "uri": …, "cid": …}], so a retry continues after the last one.
    parts = models.JSONField(_("parts"), default=list)
    posted = models.JSONField(_("posted parts"), default=list)
    url = models.URLField(_("URL"), max_length=1000, blank=True)
    error = models.TextField(_("error"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    reactions_checked_at = models.DateTimeField(null=True, blank=True)
    # Posting lease: one worker posts a publication at a time (conditional UPDATE).
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["statement", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["statement", "channel"], name="uniq_publication")
        ]
        verbose_name = _("publication")
        verbose_name_plural = _("publications")

    def __str__(self) -> str:
        return f"{self.statement_id}/{self.channel} {self.status}"

    @property
    def root_id(self) -> str:
        return self.posted[0]["id"] if self.posted else ""


class StatementReaction(models.Model):
    """A reply to or quote of a published statement, stored as a mention."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("Reply")
        QUOTE = "quote", _("Quote")

    publication = models.ForeignKey(Publication, on_delete=models.CASCADE, related_name="reactions")
    mention = models.ForeignKey(
        Mention, on_delete=models.CASCADE, related_name="statement_reactions"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["publication", "mention"], name="uniq_reaction")
        ]
        verbose_name = _("reaction")
        verbose_name_plural = _("reactions")

    def __str__(self) -> str:
        return f"{self.publication_id}:{self.mention_id}"


class ReauthFailure(models.Model):
    """One wrong password at re-authentication. Counted per user over a window to lock out
    guessing (statements.services.reauth); in the database because the cache is per process."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        indexes = [models.Index(fields=["user", "at"], name="reauth_failure_user_at")]
        verbose_name = _("failed re-authentication")
        verbose_name_plural = _("failed re-authentications")

    def __str__(self) -> str:
        return f"{self.user_id} {self.at:%Y-%m-%d %H:%M}"
