"""HTML forms for protocols: the protocol fields plus a formset of tiers (blank rows ignored)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.models import Channel
from escalation.waits import WAIT_INVALID, WaitInvalid, wait_seconds_from_minutes
from workspaces.models import Membership


class ProtocolForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    min_severity = forms.TypedChoiceField(
        label=_("From severity"), coerce=int, choices=[(i, str(i)) for i in range(1, 5)]
    )
    language = forms.ChoiceField(
        label=_("Message language"), choices=[("nl", _("Dutch")), ("en", _("English"))]
    )
    repeat_count = forms.IntegerField(
        label=_("Repeat rounds"), min_value=0, max_value=10, initial=0
    )
    is_enabled = forms.BooleanField(label=_("Enabled"), required=False, initial=True)


class TierForm(forms.Form):
    contact_ids = forms.TypedMultipleChoiceField(
        label=_("Contacts"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    roles = forms.MultipleChoiceField(
        label=_("Roles"), choices=Membership.Role.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    channels = forms.MultipleChoiceField(
        label=_("Channels"), choices=Channel.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    wait_minutes = forms.FloatField(label=_("Wait for acknowledgement (minutes)"), required=False)

    def __init__(self, *args, contact_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_ids"].choices = list(contact_choices)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("wait_minutes") is not None:
            try:
                data["wait_seconds"] = wait_seconds_from_minutes(data["wait_minutes"])
            except WaitInvalid:
                self.add_error("wait_minutes", forms.ValidationError(WAIT_INVALID, code="wait"))
        return data

    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("contact_ids") or data.get("roles") or data.get("channels"))

    def as_tier(self) -> dict:
        """The tier as the service takes it; a missing wait is 0, which the service refuses
        with the shared wait message."""
        data = self.cleaned_data
        return {
            "contact_ids": data.get("contact_ids") or [],
            "roles": data.get("roles") or [],
            "channels": data.get("channels") or [],
            "wait_seconds": data.get("wait_seconds", 0),
        }


TierFormSet = forms.formset_factory(TierForm, extra=0, max_num=10)
