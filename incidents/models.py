"""Incidents: a confirmed (or suspected) crisis with its alerts."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from monitoring.models import Alert
from workspaces.models import Workspace


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

    class Meta:
        ordering = ["-opened_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")

    def __str__(self) -> str:
        return self.title
