"""HTML forms for contacts (parse and validate only; the service validates the rest)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from contacts.availability import AvailabilityInvalid, availability_parse
from contacts.exceptions import problem_text
from contacts.models import Channel, Contact
from workspaces.models import Workspace
from workspaces.selectors import workspace_member_list


class ContactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Category"), choices=Contact.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    role_title = forms.CharField(label=_("Role or title"), max_length=200, required=False)
    phone = forms.CharField(
        label=_("Phone"), max_length=32, required=False,
        help_text=_("International format, e.g. +31612345678."),
    )  # fmt: skip
    email = forms.EmailField(label=_("E-mail"), required=False)
    preferred_channels = forms.MultipleChoiceField(
        label=_("Preferred channels"), choices=Channel.choices, required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    slack_webhook_url = forms.URLField(
        label=_("Slack webhook URL"), required=False, max_length=500, assume_scheme="https"
    )
    slack_member_id = forms.CharField(label=_("Slack member id"), required=False, max_length=40)
    teams_webhook_url = forms.URLField(
        label=_("Teams webhook URL"), required=False, max_length=500, assume_scheme="https"
    )
    availability = forms.CharField(
        label=_("Availability"), required=False, initial="24/7", max_length=500,
        help_text=_("24/7, or e.g. mon-fri 08:00-18:00; sat 10:00-14:00 (Europe/Amsterdam)."),
    )  # fmt: skip
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    last_verified_at = forms.DateField(
        label=_("Last verified"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    user = forms.ModelChoiceField(
        label=_("Workspace user"), queryset=None, required=False,
        help_text=_("Link the contact to a member, so role-based tiers use these addresses."),
    )  # fmt: skip

    def __init__(self, *args, workspace: Workspace, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = workspace_member_list(workspace_id=workspace.pk)

    def clean_availability(self) -> list[dict]:
        try:
            return availability_parse(self.cleaned_data["availability"])
        except AvailabilityInvalid as exc:
            raise forms.ValidationError(problem_text(exc)) from exc


class ContactImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or vCard file"))
