"""Field validators for contacts."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def phone_normalise(value: str) -> str:
    """Drop spaces, dashes, dots and brackets; a leading 00 becomes +."""
    value = re.sub(r"[\s\-.()/]", "", value or "")
    if value.startswith("00"):
        value = "+" + value[2:]
    return value


def validate_e164(value: str) -> None:
    if value and not E164.match(value):
        raise ValidationError(
            _("Enter the phone number in international E.164 format, e.g. +31612345678."),
            code="e164",
        )
