"""Writes for contacts: create, update, delete, verify, and CSV/vCard import."""

import logging
from dataclasses import dataclass, field
from datetime import date
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts import csvio, vcard
from contacts.availability import AvailabilityInvalid, availability_format, availability_parse
from contacts.exceptions import ContactImportInvalid, ContactInvalid
from contacts.models import Channel, Contact
from contacts.selectors import contact_find_existing
from contacts.validators import phone_normalise
from workspaces.models import Workspace
from workspaces.selectors import workspace_member_get

logger = logging.getLogger(__name__)

EDITABLE = [
    "kind", "name", "organisation", "role_title", "phone", "email", "preferred_channels",
    "slack_webhook_url", "slack_member_id", "teams_webhook_url", "availability",
    "availability_tz", "notes", "last_verified_at", "user",
]  # fmt: skip
IMPORT_MAX_ROWS = 5000


def _validate(contact: Contact) -> None:
    errors: dict[str, list[str]] = {}
    try:
        contact.full_clean(exclude=["workspace"])
    except ValidationError as exc:
        errors.update({k: [str(m) for m in v] for k, v in exc.message_dict.items()})
    bad = [c for c in contact.preferred_channels or [] if c not in Channel.values]
    if not isinstance(contact.preferred_channels, list) or bad:
        errors["preferred_channels"] = [
            _("Unknown channel: %(value)s.") % {"value": ", ".join(map(str, bad))}
        ]
    if not settings.ESCALATION_ALLOW_PRIVATE_WEBHOOKS:  # escalation also checks at send time
        for name in ("slack_webhook_url", "teams_webhook_url"):
            url = getattr(contact, name) or ""
            if url and not url.lower().startswith("https://"):
                errors.setdefault(name, []).append(_("Webhook URLs must use https."))
    if contact.availability_tz not in available_timezones():
        errors["availability_tz"] = [_("Unknown time zone.")]
    if contact.user_id and not workspace_member_get(
        workspace_id=contact.workspace_id, user_id=contact.user_id
    ):
        errors["user"] = [_("This user is not a member of the workspace.")]
    if errors:
        raise ContactInvalid(_("The contact is not valid."), {"errors": errors})


def _apply(contact: Contact, data: dict) -> None:
    for key in EDITABLE:
        if key in data:
            setattr(contact, key, data[key])
    contact.phone = phone_normalise(contact.phone)
    contact.email = (contact.email or "").strip()
    contact.preferred_channels = list(dict.fromkeys(contact.preferred_channels or []))


@transaction.atomic
def contact_create(*, workspace: Workspace, data: dict) -> Contact:
    """Create a contact from validated-shape data; raises ContactInvalid (400) with reasons."""
    contact = Contact(workspace=workspace)
    _apply(contact, data)
    _validate(contact)
    contact.save()
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, data: dict) -> Contact:
    """Update the given fields; raises ContactInvalid (400) with reasons."""
    _apply(contact, data)
    _validate(contact)
    contact.save()
    return contact


def contact_delete(*, contact: Contact) -> None:
    """Delete a contact (escalation tiers lose it; their history keeps the name)."""
    contact.delete()


def contact_verify(*, contact: Contact, on: date | None = None) -> Contact:
    """Mark the contact as verified today (clears the 90-day flag)."""
    contact.last_verified_at = on or timezone.localdate()
    contact.save(update_fields=["last_verified_at", "updated_at"])
    return contact


def row_to_data(row: dict) -> dict:
    """Turn one text row (CSV or vCard) into contact data; raises ContactInvalid."""
    errors: dict[str, list[str]] = {}
    data = {k: (row.get(k) or "").strip() for k in csvio.FIELDS if k in row}
    data["kind"] = data.get("kind") or Contact.Kind.COMMUNICATIONS
    channels = (row.get("preferred_channels") or "").replace(";", ",").split(",")
    data["preferred_channels"] = [c.strip().lower() for c in channels if c.strip()]
    try:
        data["availability"] = availability_parse(row.get("availability") or "")
    except AvailabilityInvalid as exc:
        errors["availability"] = [str(exc)]
    verified = data.pop("last_verified", "")
    if verified:
        try:
            data["last_verified_at"] = date.fromisoformat(verified)
        except ValueError:
            errors["last_verified"] = [_("Use a date like 2026-01-31.")]
    if not data.get("availability_tz"):
        data.pop("availability_tz", None)
    if errors:
        raise ContactInvalid(_("The contact is not valid."), {"errors": errors})
    return data


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    rows: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r["status"] == "error")


def _import_row(*, workspace: Workspace, number: int, row: dict) -> dict:
    try:
        data = row_to_data(row)
        existing = contact_find_existing(
            workspace=workspace,
            email=data.get("email", ""),
            phone=phone_normalise(data.get("phone", "")),
        )
        with transaction.atomic():  # a bad row rolls back alone
            if existing:
                contact = contact_update(contact=existing, data=data)
                status = "updated"
            else:
                contact = contact_create(workspace=workspace, data=data)
                status = "created"
    except ContactInvalid as exc:
        return {"row": number, "status": "error", "name": row.get("name", ""), **exc.extra}
    return {"row": number, "status": status, "name": contact.name, "id": contact.pk}


def contacts_import(*, workspace: Workspace, text: str, fmt: str) -> ImportReport:
    """Import CSV or vCard text. Idempotent: a row with a known e-mail (else phone) updates that
    contact. Reports created/updated/error per row (row 1 is the first data row or card).
    Raises ContactImportInvalid if the file cannot be read at all or is too long."""
    try:
        rows = csvio.csv_read(text) if fmt == "csv" else vcard.vcard_read(text)
    except (csvio.CsvInvalid, vcard.VcardInvalid) as exc:
        raise ContactImportInvalid(_("Cannot read the file: %(reason)s") % {"reason": exc}) from exc
    if len(rows) > IMPORT_MAX_ROWS:
        raise ContactImportInvalid(
            _("At most %(max)d contacts per file.") % {"max": IMPORT_MAX_ROWS}
        )
    report = ImportReport()
    for number, row in enumerate(rows, start=1):
        result = _import_row(workspace=workspace, number=number, row=row)
        report.rows.append(result)
        report.created += result["status"] == "created"
        report.updated += result["status"] == "updated"
    logger.info(
        "contacts.import.done",
        extra={
            "workspace_id": workspace.pk,
            "n_created": report.created,
            "n_errors": report.errors,
        },
    )
    return report


def contact_export_row(contact: Contact) -> dict:
    """One contact as a text row (the CSV/vCard shape)."""
    return {
        **{k: getattr(contact, k) for k in csvio.FIELDS if hasattr(contact, k)},
        "preferred_channels": ",".join(contact.preferred_channels or []),
        "availability": availability_format(contact.availability or []),
        "last_verified": contact.last_verified_at.isoformat() if contact.last_verified_at else "",
    }


def contacts_export(*, contacts: list[Contact], fmt: str) -> str:
    """CSV (formula-safe) or vCard 3.0 text of the given contacts."""
    rows = [contact_export_row(c) for c in contacts]
    return csvio.csv_write(rows) if fmt == "csv" else vcard.vcard_write(rows)
