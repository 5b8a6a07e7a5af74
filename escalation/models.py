"""Escalation: protocols (versioned), runs with persisted deadlines, deliveries per channel."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from contacts.models import Channel, Contact
from incidents.models import Incident
from workspaces.models import Workspace


class EscalationProtocol(models.Model):
    """Who to alert, in which order, for incidents of a workspace at or above a severity."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="escalation_protocols"
    )
    name = models.CharField(_("name"), max_length=200)
    # Severity as incidents.Incident.severity (1-4): the protocol covers incidents at or above.
    min_severity = models.PositiveSmallIntegerField(_("from severity"), default=1)
    language = models.CharField(_("message language"), max_length=5, default="nl")
    # How many extra rounds through all tiers when nobody acknowledges (0: none).
    repeat_count = models.PositiveSmallIntegerField(_("repeat rounds"), default=0)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["workspace", "-min_severity", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "min_severity"], name="uniq_protocol_ws_severity"
            )
        ]
        verbose_name = _("escalation protocol")
        verbose_name_plural = _("escalation protocols")

    def __str__(self) -> str:
        return self.name


class EscalationTier(models.Model):
    protocol = models.ForeignKey(EscalationProtocol, on_delete=models.CASCADE, related_name="tiers")
    position = models.PositiveSmallIntegerField(_("position"))
    contacts = models.ManyToManyField(
        Contact, blank=True, related_name="escalation_tiers", through="EscalationTierContact"
    )
    roles = models.JSONField(_("roles"), default=list, blank=True)
    channels = models.JSONField(_("channels"), default=list)
    wait_seconds = models.PositiveIntegerField(_("wait for acknowledgement (seconds)"))

    class Meta:
        ordering = ["protocol", "position"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "position"], name="uniq_tier_position")
        ]
        verbose_name = _("escalation tier")
        verbose_name_plural = _("escalation tiers")

    def __str__(self) -> str:
        return f"{self.protocol} #{self.position}"


class EscalationTierContact(models.Model):
    """A contact named in a tier (the table Django made for the plain many-to-many). RESTRICT:
    deleting a contact that a tier names is refused (RestrictedError), because silently
    dropping it would change the protocol without a version and could leave a tier with
    nobody; deleting the protocol or the whole workspace still takes these rows along."""

    escalationtier = models.ForeignKey(EscalationTier, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.RESTRICT, related_name="+")

    class Meta:
        db_table = "escalation_escalationtier_contacts"
        unique_together = [("escalationtier", "contact")]

    def __str__(self) -> str:
        """Where the contact is used, for the message that refuses the delete."""
        tier = self.escalationtier
        return _("%(protocol)s (tier %(n)d)") % {
            "protocol": tier.protocol.name,
            "n": tier.position + 1,
        }


class EscalationProtocolVersion(models.Model):
    """Append-only: the full protocol as it was after each change, with who and when."""

    protocol = models.ForeignKey(
        EscalationProtocol, on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("snapshot"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        ordering = ["protocol", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["protocol", "number"], name="uniq_protocol_version")
        ]
        verbose_name = _("protocol version")
        verbose_name_plural = _("protocol versions")

    def __str__(self) -> str:
        return f"{self.protocol_id} v{self.number}"


class EscalationRun(models.Model):
    """One protocol running for one incident. The timer is `next_deadline` in the database:
    the scheduler advances the run when it has passed, whichever worker is alive then."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Escalating")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        EXHAUSTED = "exhausted", _("No acknowledgement")
        CANCELLED = "cancelled", _("Cancelled")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+")
    protocol = models.ForeignKey(EscalationProtocol, on_delete=models.CASCADE, related_name="runs")
    version = models.ForeignKey(
        EscalationProtocolVersion, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE
    )
    tier_index = models.PositiveSmallIntegerField(_("current tier"), default=0)
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    next_deadline = models.DateTimeField(_("next deadline"), null=True, blank=True)
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acknowledged_by_name = models.CharField(_("acknowledged by"), max_length=200, blank=True)
    acknowledged_via = models.CharField(_("acknowledged via"), max_length=20, blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One active run per incident and protocol; a reopened incident gets a new run
            # next to the one its close cancelled.
            models.UniqueConstraint(
                fields=["incident", "protocol"],
                condition=models.Q(status="active"),
                name="uniq_run_incident_active",
            )
        ]
        indexes = [models.Index(fields=["status", "next_deadline"])]
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"


class Delivery(models.Model):
    """One message on one channel to one target. Retries and their backoff live in the row
    (`next_attempt_at`), so they survive restarts like the run's deadline."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    run = models.ForeignKey(EscalationRun, on_delete=models.CASCADE, related_name="deliveries")
    round = models.PositiveSmallIntegerField(_("round"), default=0)
    tier_index = models.PositiveSmallIntegerField(_("tier"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("target"), max_length=500)
    recipient = models.CharField(_("recipient"), max_length=200)
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["run", "round", "tier_index", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "round", "tier_index", "channel", "target"],
                name="uniq_delivery_target",
            )
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")

    def __str__(self) -> str:
        return f"{self.channel} → {self.recipient} ({self.status})"
