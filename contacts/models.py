"""Contacts: the people an organisation calls in a crisis, internal and external."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contacts.validators import validate_e164
from workspaces.models import Workspace


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    SLACK = "slack", _("Slack")
    TEAMS = "teams", _("Microsoft Teams")


class Contact(models.Model):
    class Kind(models.TextChoices):
        COMMUNICATIONS = "communications", _("Communications (internal)")
        IT = "it", _("IT (internal)")
        HR = "hr", _("HR (internal)")
        LEGAL = "legal", _("Legal (internal)")
        MANAGEMENT = "management", _("Management (internal)")
        SPOKESPERSON = "spokesperson", _("Spokesperson")
        PLATFORM_X = "platform_x", _("Platform contact: X")
        PLATFORM_META = "platform_meta", _("Platform contact: Meta")
        PLATFORM_LINKEDIN = "platform_linkedin", _("Platform contact: LinkedIn")
        PLATFORM_REDDIT = "platform_reddit", _("Platform contact: Reddit")
        PR_AGENCY = "pr_agency", _("PR agency")
        PRESS = "press", _("Press")
        CAMERA_CREW = "camera_crew", _("Camera crew")
        DPA = "dpa", _("Data protection authority")

    INTERNAL_KINDS = ("communications", "it", "hr", "legal", "management")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("category"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    role_title = models.CharField(_("role or title"), max_length=200, blank=True)
    phone = models.CharField(
        _("phone"), max_length=16, blank=True, validators=[validate_e164],
        help_text=_("International format, e.g. +31612345678."),
    )  # fmt: skip
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_channels = models.JSONField(_("preferred channels"), default=list, blank=True)
    slack_webhook_url = models.URLField(_("Slack webhook URL"), max_length=500, blank=True)
    slack_member_id = models.CharField(_("Slack member id"), max_length=40, blank=True)
    teams_webhook_url = models.URLField(_("Teams webhook URL"), max_length=500, blank=True)
    # Empty list: 24/7. See contacts/availability.py for the shape.
    availability = models.JSONField(_("availability"), default=list, blank=True)
    availability_tz = models.CharField(_("time zone"), max_length=64, default="Europe/Amsterdam")
    notes = models.TextField(_("notes"), blank=True)
    last_verified_at = models.DateField(_("last verified"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("workspace user"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["workspace", "email"]),
            models.Index(fields=["workspace", "phone"]),
        ]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    @property
    def is_internal(self) -> bool:
        return self.kind in self.INTERNAL_KINDS

    def target_for(self, channel: str) -> str:
        """The address this contact is reached at on `channel` ("" if none)."""
        return {
            Channel.EMAIL: self.email,
            Channel.SMS: self.phone,
            Channel.SLACK: self.slack_webhook_url,
            Channel.TEAMS: self.teams_webhook_url,
        }.get(channel, "")
