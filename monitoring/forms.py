"""HTML forms for the admin pages (sources, watch terms, imports): parse and validate only."""

from dataclasses import dataclass
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from monitoring.exceptions import SourceConfigInvalid
from monitoring.importing import JsonUnreadable, json_loads
from monitoring.models import AlertRule, Platform
from monitoring.rule_params import rule_params_validate
from monitoring.services.imports import import_size_error
from monitoring.source_config import CREDENTIAL_KEYS, SETTINGS_EXAMPLES, CredentialKey

POLLED = [c for c in Platform.choices if c[0] not in ("import",)]


def _json_field(raw: str) -> Any:
    """A JSON field's value ("{}" when blank), read strictly (`json_loads`: no NaN or
    Infinity); what jsonb cannot store is the save services' check."""
    try:
        return json_loads(raw.strip() or "{}")
    except JsonUnreadable as exc:
        raise forms.ValidationError(_("Not valid JSON: %(e)s") % {"e": exc}) from exc


def credential_field_name(platform: str, key: str) -> str:
    return f"cred_{platform}_{key}"


def _credential_field(spec: CredentialKey) -> forms.CharField:
    # Never filled from stored values; autocomplete off so a browser does not offer the
    # user's login password for an API secret.
    attrs = {"autocomplete": "new-password" if spec.secret else "off", "spellcheck": "false"}
    widget = forms.PasswordInput(attrs=attrs) if spec.secret else forms.TextInput(attrs=attrs)
    return forms.CharField(label=spec.label, required=False, max_length=2000, widget=widget)


@dataclass
class CredentialGroup:
    """One platform's credential fields, rendered as a fieldset."""

    platform: str
    label: str
    example: str
    fields: list


class SourceFieldsForm(forms.Form):
    """Fields shared by the add and edit forms; credential fields are added per platform."""

    name = forms.CharField(label=_("Name"), max_length=200)
    settings = forms.CharField(
        label=_("Settings (JSON)"),
        required=False,
        initial="{}",
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=_("The example beside each platform shows its settings."),
    )
    poll_interval_seconds = forms.IntegerField(
        label=_("Poll interval (seconds)"), min_value=5, max_value=86400, initial=60
    )

    def _add_credential_fields(self, platform: str) -> None:
        for spec in CREDENTIAL_KEYS.get(platform, ()):
            self.fields[credential_field_name(platform, spec.key)] = _credential_field(spec)

    def clean_settings(self) -> dict:
        value = _json_field(self.cleaned_data["settings"])
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Settings must be a JSON object."))
        return value

    def main_fields(self) -> list:
        return [self[name] for name in self.fields if not name.startswith("cred_")]

    def credential_group(self, platform: str) -> CredentialGroup:
        prefix = f"cred_{platform}_"
        return CredentialGroup(
            platform=platform,
            label=str(Platform(platform).label),
            example=SETTINGS_EXAMPLES.get(platform, "{}"),
            fields=[self[name] for name in self.fields if name.startswith(prefix)],
        )

    def credentials_for(self, platform: str) -> dict[str, str]:
        """The credential values typed for `platform` (blank fields left out)."""
        values = {}
        for spec in CREDENTIAL_KEYS.get(platform, ()):
            value = self.cleaned_data.get(credential_field_name(platform, spec.key), "")
            if value:
                values[spec.key] = value
        return values

    def add_config_error(self, platform: str, error: SourceConfigInvalid) -> None:
        """Show a service's SourceConfigInvalid at the fields it names."""
        missing = error.extra.get("missing", [])
        for key in missing:
            name = credential_field_name(platform, key)
            if name in self.fields:
                self.add_error(name, _("Required for this platform."))
        invalid = [credential_field_name(platform, k) for k in error.extra.get("invalid", [])]
        if invalid:  # a value a header cannot carry: shown at its field, never echoed
            self.add_error(invalid[0] if invalid[0] in self.fields else None, error.message)
        else:
            self.add_error(None if missing else "settings", error.message)


class SourceForm(SourceFieldsForm):
    """Add a source: every polled platform's credential fields are rendered (the page's
    script shows the chosen platform's); only the chosen platform's are used."""

    platform = forms.ChoiceField(label=_("Platform"), choices=POLLED)
    field_order = ["name", "platform", "settings", "poll_interval_seconds"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for platform, _label in POLLED:
            self._add_credential_fields(platform)

    def credential_groups(self) -> list[CredentialGroup]:
        return [self.credential_group(platform) for platform, _label in POLLED]

    def credentials(self) -> dict[str, str]:
        return self.credentials_for(self.cleaned_data["platform"])


class SourceEditForm(SourceFieldsForm):
    """Edit a source: its platform's credential fields show only whether each key is set; a
    blank field keeps the stored value, a ticked "remove" box deletes it."""

    is_enabled = forms.BooleanField(label=_("Enabled (polled)"), required=False)
    field_order = ["name", "settings", "poll_interval_seconds", "is_enabled"]

    def __init__(self, *args: Any, platform: str, stored_keys: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.platform = platform
        for spec in CREDENTIAL_KEYS.get(platform, ()):
            field = _credential_field(spec)
            name = credential_field_name(platform, spec.key)
            if spec.key in stored_keys:
                field.help_text = _("Set. Leave blank to keep it.")
                self.fields[name] = field
                self.fields[f"{name}_clear"] = forms.BooleanField(
                    label=_("Remove the stored %(key)s") % {"key": spec.label}, required=False
                )
            else:
                field.help_text = _("Not set.")
                self.fields[name] = field

    def credential_groups(self) -> list[CredentialGroup]:
        return [self.credential_group(self.platform)]

    def changes(self, source: Any) -> dict[str, Any]:
        """The fields that differ from the source, for source_update."""
        names = ("name", "settings", "poll_interval_seconds", "is_enabled")
        data = self.cleaned_data
        return {n: data[n] for n in names if data[n] != getattr(source, n)}

    def credential_changes(self) -> dict[str, str] | None:
        """Typed values, and "" for each key to remove; None when nothing changes."""
        changes = self.credentials_for(self.platform)
        for spec in CREDENTIAL_KEYS.get(self.platform, ()):
            name = credential_field_name(self.platform, spec.key)
            if self.cleaned_data.get(f"{name}_clear") and spec.key not in changes:
                changes[spec.key] = ""
        return changes or None


class WatchTermForm(forms.Form):
    query = forms.CharField(
        label=_("Query"),
        max_length=500,
        help_text=_(
            "Quoted phrases, AND, OR, NOT or -exclusion. AND binds tighter than OR (as on X), "
            'so group alternatives to exclude from all of them: ("Bank Noord" OR banknoord) '
            "-vacature"
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
        value = _json_field(self.cleaned_data["params"])
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Parameters must be a JSON object."))
        try:
            return rule_params_validate(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc)) from exc
