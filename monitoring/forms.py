"""HTML forms for the admin pages (sources, watch terms, imports): parse and validate only."""

import json

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.models import AlertRule, Platform
from monitoring.rule_params import rule_params_validate
from monitoring.services.imports import import_size_error

POLLED = [c for c in Platform.choices if c[0] not in ("import",)]


class SourceForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    platform = forms.ChoiceField(label=_("Platform"), choices=POLLED)
    settings = forms.CharField(
        label=_("Settings (JSON)"),
        required=False,
        initial="{}",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('For example {"feeds": ["https://example.org/rss"]} or {"scenario": "nl"}.'),
    )
    poll_interval_seconds = forms.IntegerField(
        label=_("Poll interval (seconds)"), min_value=5, max_value=86400, initial=60
    )
    secret_name = forms.CharField(
        label=_("Credential name"),
        required=False,
        help_text=_("e.g. bearer_token, access_token, webhook_secret"),
    )
    secret_value = forms.CharField(
        label=_("Credential value"), required=False, widget=forms.PasswordInput
    )

    def clean_settings(self) -> dict:
        raw = self.cleaned_data["settings"].strip() or "{}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(e)s") % {"e": exc.msg}) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Settings must be a JSON object."))
        return value

    def credentials(self) -> dict[str, str]:
        name, value = self.cleaned_data.get("secret_name"), self.cleaned_data.get("secret_value")
        return {name: value} if name and value else {}


class WatchTermForm(forms.Form):
    query = forms.CharField(
        label=_("Query"),
        max_length=500,
        help_text=_(
            'Quoted phrases, AND, OR, NOT or -exclusion: "Bank Noord" OR banknoord -vacature'
        ),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File (JSONL or CSV)"))
    platform = forms.ChoiceField(label=_("Platform of rows without one"), choices=Platform.choices)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if error := import_size_error(upload.size):
            raise forms.ValidationError(error)
        return upload


class AlertRuleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=AlertRule.Kind.choices)
    params = forms.CharField(
        label=_("Parameters (JSON)"),
        required=False,
        initial="{}",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            'e.g. {"threshold": 8, "window_minutes": 5}, {"terms": ["datalek", "hack"]}, '
            '{"min_followers": 50000}, {"detector": {"interval_minutes": 10}}'
        ),
    )
    cooldown_minutes = forms.IntegerField(
        label=_("Cooldown (minutes)"), min_value=0, max_value=10080, initial=10
    )

    def clean_params(self) -> dict:
        raw = self.cleaned_data["params"].strip() or "{}"
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise forms.ValidationError(_("Not valid JSON: %(e)s") % {"e": exc.msg}) from exc
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Parameters must be a JSON object."))
        try:
            return rule_params_validate(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
