"""Incidents: a confirmed (or suspected) crisis with its alerts, and triage decisions."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from monitoring.models import Alert
from playbooks.models import Playbook
from workspaces.models import Membership, Workspace

# Who runs incidents (open, edit, status, commander, mentions, tasks) and triages alerts.
RUN_ROLES = (Membership.Role.CRISIS_TEAM, Membership.Role.ADMIN)


class Incident(models.Model):
    class Status(models.TextChoices):
        TRIAGE = "triage", _("Triage")
        ACTIVE = "active", _("Active")
        MONITORING = "monitoring", _("Monitoring")
        RESOLVED = "resolved", _("Resolved")
        REVIEWED = "reviewed", _("Reviewed")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="incidents")
    title = models.CharField(_("title"), max_length=300)
    severity = models.PositiveSmallIntegerField(_("severity"), default=2)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.TRIAGE
    )
    opened_at = models.DateTimeField(_("opened at"))
    alerts = models.ManyToManyField(Alert, blank=True, related_name="incidents")
    # The clocks: first mention, first alert and triage give time to detect and to triage.
    first_mention_at = models.DateTimeField(_("first mention at"), null=True, blank=True)
    first_alert_at = models.DateTimeField(_("first alert at"), null=True, blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    commander = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Platforms involved (Platform values), kept as the union of people's choice and the
    # platforms of the incident's mentions.
    platforms = models.JSONField(_("platforms involved"), default=list, blank=True)
    # Mentions attached by hand from the stream (the alerts' mentions count too).
    mentions = models.ManyToManyField("monitoring.Mention", blank=True, related_name="incidents")
    playbook = models.ForeignKey(
        Playbook, on_delete=models.SET_NULL, null=True, blank=True, related_name="incidents"
    )
    # Per-status timestamps (triage = opened_at); who moved it is on the timeline.
    active_at = models.DateTimeField(_("active since"), null=True, blank=True)
    monitoring_at = models.DateTimeField(_("monitoring since"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    # Reach of the incident's mentions, recomputed as mentions arrive (selectors.incident_reach).
    reach = models.JSONField(_("reach"), default=dict, blank=True)
    # The response clock: first public reaction due (persisted deadline, checked by beat).
    response_due_at = models.DateTimeField(_("first public reaction due"), null=True, blank=True)
    response_at = models.DateTimeField(_("first public reaction at"), null=True, blank=True)
    response_url = models.URLField(_("first public reaction URL"), max_length=1000, blank=True)
    response_breached_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["response_due_at"], name="incident_response_due"),
        ]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title

    @property
    def discovered_at(self) -> datetime:
        """When the response clock starts: the first alert, else the opening."""
        return min(t for t in (self.first_alert_at, self.opened_at) if t is not None)

    @property
    def time_to_detect(self) -> timedelta | None:
        if self.first_mention_at and self.first_alert_at:
            return self.first_alert_at - self.first_mention_at
        return None

    @property
    def time_to_triage(self) -> timedelta | None:
        if self.first_alert_at and self.triaged_at:
            return self.triaged_at - self.first_alert_at
        return None


class TriageDecision(models.Model):
    """Who decided what about an alert, and when. Append-only: never edited or deleted."""

    class Decision(models.TextChoices):
        CRISIS = "crisis", _("Crisis")
        MONITOR = "monitor", _("Monitor")
        DISMISSED = "dismissed", _("Not a crisis")

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="triage_decisions")
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices)
    reason = models.TextField(_("reason"), blank=True)
    incident = models.ForeignKey(
        Incident, on_delete=models.SET_NULL, null=True, blank=True, related_name="triage_decisions"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"))

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("triage decision")
        verbose_name_plural = _("triage decisions")

    def __str__(self) -> str:
        return f"{self.decision} #{self.alert_id}"


class IncidentEvent(models.Model):
    """One entry of an incident's timeline. Append-only: never edited or deleted (not even by
    an admin); every app records into it through `incidents.services.incident_event_record`."""

    class Kind(models.TextChoices):
        ALERT = "alert", _("Alert")
        TRIAGE = "triage", _("Triage decision")
        STATUS = "status", _("Status change")
        ESCALATION = "escalation", _("Escalation")
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        NOTE = "note", _("Note")
        TASK = "task", _("Task")
        CLAIM = "claim", _("Claim")
        STATEMENT = "statement", _("Statement")
        MENTION = "mention", _("Mention")
        CLOCK = "clock", _("Response clock")
        COMMANDER = "commander", _("Commander")
        UPDATE = "update", _("Incident updated")

    # PROTECT: an incident with a timeline is never deleted (nor its workspace); the database
    # refuses UPDATE and DELETE of events as well (migration 0004).
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary = models.TextField(_("summary"))
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["incident", "at"])]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self) -> str:
        return f"{self.kind}: {self.summary[:60]}"


class Claim(models.Model):
    """A fact or rumour on an incident's claims board, with the mentions it comes from."""

    class Status(models.TextChoices):
        UNKNOWN = "unknown", _("Unknown")
        RUMOUR = "rumour", _("Rumour")
        CONFIRMED = "confirmed", _("Confirmed")
        FALSE = "false", _("False")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="claims")
    text = models.TextField(_("claim"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.UNKNOWN
    )
    mentions = models.ManyToManyField("monitoring.Mention", blank=True, related_name="claims")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("claim")
        verbose_name_plural = _("claims")

    def __str__(self) -> str:
        return self.text[:80]


class IncidentTask(models.Model):
    """A task of a running incident, usually instantiated from its scenario playbook."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="tasks")
    step = models.CharField(_("step"), max_length=200, blank=True)
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=300)
    owner_role = models.CharField(_("owner role"), max_length=30, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    # [{"text": str, "done": bool}]
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["incident", "due_at"], name="incidenttask_due")]
        verbose_name = _("incident task")
        verbose_name_plural = _("incident tasks")

    def __str__(self) -> str:
        return self.title


class ResponseClockPolicy(models.Model):
    """Minutes to the first public reaction, per workspace and severity (default 60)."""

    workspace = models.ForeignKey(
        Workspace, on_delete=models.CASCADE, related_name="response_clock_policies"
    )
    severity = models.PositiveSmallIntegerField(_("severity"))
    minutes = models.PositiveIntegerField(_("minutes to first public reaction"), default=60)

    class Meta:
        ordering = ["workspace", "severity"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "severity"], name="uniq_responseclock_ws_severity"
            ),
            models.CheckConstraint(
                condition=models.Q(severity__gte=1, severity__lte=4),
                name="responseclock_severity_1_4",
            ),
        ]
        verbose_name = _("response clock")
        verbose_name_plural = _("response clocks")

    def __str__(self) -> str:
        return f"{self.workspace_id} S{self.severity}: {self.minutes} min"


class IncidentEvaluation(models.Model):
    """The post-incident evaluation: what happened, what went well, what to improve, with its
    action items. Written while the incident is resolved; required (a summary) to review it,
    final with the rest of the record once reviewed."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="evaluation")
    summary = models.TextField(_("summary"), blank=True)
    went_well = models.TextField(_("what went well"), blank=True)
    to_improve = models.TextField(_("what to improve"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.summary[:60]}"


class EvaluationActionItem(models.Model):
    """One follow-up of an evaluation; its owner a workspace member or a name typed in."""

    evaluation = models.ForeignKey(
        IncidentEvaluation, on_delete=models.CASCADE, related_name="action_items"
    )
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(_("action item"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    owner_name = models.CharField(_("owner"), max_length=200, blank=True)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    is_done = models.BooleanField(_("done"), default=False)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.text[:80]
