"""Scenario playbooks: ordered steps with tasks (owner role, due offset, checklist)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from workspaces.models import Workspace


class Scenario(models.TextChoices):
    NEWS_COVERAGE = "news_coverage", _("Negative news coverage")
    VIRAL_COMPLAINT = "viral_complaint", _("Customer complaint going viral")
    DATA_LEAK = "data_leak", _("Internal data leak exposing customer data")
    EMPLOYEE_MESSAGE = "employee_message", _("Wrong message by an employee")


class OwnerRole(models.TextChoices):
    CRISIS_TEAM = "crisis_team", _("Crisis team")
    COMMUNICATIONS = "communications", _("Communications")
    ADMIN = "admin", _("Admin")
    LEGAL = "legal", _("Legal")
    IT = "it", _("IT")
    HR = "hr", _("HR")
    MANAGEMENT = "management", _("Management")
    CUSTOMER_SERVICE = "customer_service", _("Customer service")
    PRIVACY = "privacy", _("Privacy officer")


class Playbook(models.Model):
    class Language(models.TextChoices):
        NL = "nl", "Nederlands"
        EN = "en", "English"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="playbooks")
    scenario = models.CharField(_("scenario"), max_length=30, choices=Scenario.choices)
    language = models.CharField(_("language"), max_length=2, choices=Language.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["workspace", "scenario", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "scenario", "language"], name="uniq_playbook_ws_scenario_lang"
            )
        ]
        verbose_name = _("playbook")
        verbose_name_plural = _("playbooks")

    def __str__(self) -> str:
        return self.title


class PlaybookStep(models.Model):
    playbook = models.ForeignKey(Playbook, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["playbook", "position", "id"]
        verbose_name = _("playbook step")
        verbose_name_plural = _("playbook steps")

    def __str__(self) -> str:
        return self.title


class PlaybookTask(models.Model):
    step = models.ForeignKey(PlaybookStep, on_delete=models.CASCADE, related_name="tasks")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(_("title"), max_length=300)
    owner_role = models.CharField(_("owner role"), max_length=30, choices=OwnerRole.choices)
    due_offset_minutes = models.PositiveIntegerField(_("due (minutes after start)"), default=60)
    checklist = models.JSONField(_("checklist"), default=list, blank=True)  # list[str]

    class Meta:
        ordering = ["step", "position", "id"]
        verbose_name = _("playbook task")
        verbose_name_plural = _("playbook tasks")

    def __str__(self) -> str:
        return self.title
