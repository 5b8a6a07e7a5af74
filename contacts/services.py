"""Writes for contacts: create, update, delete, verify, and CSV/vCard import."""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import RestrictedError
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts import csvio, vcard
from contacts.availability import AvailabilityInvalid, availability_format, availability_parse
from contacts.exceptions import ContactImportInvalid, ContactInUse, ContactInvalid, problem_text
from contacts.models import Channel, Contact
from contacts.selectors import contact_find_existing, contact_get
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
VERIFIED_EARLIEST = date(2000, 1, 1)


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
    _reach_and_date_check(contact, errors)
    if contact.user_id and not workspace_member_get(
        workspace_id=contact.workspace_id, user_id=contact.user_id
    ):
        errors["user"] = [_("This user is not a member of the workspace.")]
    if errors:
        raise ContactInvalid(_("The contact is not valid."), {"errors": errors})


def _reach_and_date_check(contact: Contact, errors: dict[str, list[str]]) -> None:
    """Escalation can reach the contact somehow; the verification date is a plausible past
    date (today in any time zone counts: one day of leeway)."""
    if not any(
        (contact.phone, contact.email, contact.slack_webhook_url, contact.teams_webhook_url)
    ):
        errors.setdefault("non_field_errors", []).append(
            _("Give at least one way to reach the contact: phone, e-mail or a webhook URL.")
        )
    verified = contact.last_verified_at
    latest = timezone.localdate() + timedelta(days=1)
    if isinstance(verified, date) and not VERIFIED_EARLIEST <= verified <= latest:
        errors.setdefault("last_verified_at", []).append(
            _("The last verification must lie between %(earliest)s and today.")
            % {"earliest": VERIFIED_EARLIEST.isoformat()}
        )


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


def _values(contact: Contact) -> dict:
    return {key: getattr(contact, "user_id" if key == "user" else key) for key in EDITABLE}


@transaction.atomic
def contact_update(*, contact: Contact, data: dict) -> Contact:
    """Update the given fields; writes nothing when they are as stored (a re-import of an
    export). Raises ContactInvalid (400) with reasons."""
    before = _values(contact)
    _apply(contact, data)
    if _values(contact) == before:
        return contact
    _validate(contact)
    contact.save()
    return contact


@transaction.atomic
def contact_delete(*, contact: Contact) -> None:
    """Delete a contact. Raises ContactInUse (409) naming the protocols and tiers while an
    escalation tier names the contact (the tier link is RESTRICT): removing it there is a
    protocol change, which gets a version."""
    try:
        contact.delete()
    except RestrictedError as exc:
        places = sorted({str(link) for link in exc.restricted_objects})
        raise ContactInUse(
            _("%(name)s is in escalation protocols: %(places)s. Remove the contact there first.")
            % {"name": contact.name, "places": ", ".join(places)},
            {"protocols": places},
        ) from exc


def contact_verify(*, contact: Contact, on: date | None = None) -> Contact:
    """Mark the contact as verified today (clears the 90-day flag)."""
    contact.last_verified_at = on or timezone.localdate()
    contact.save(update_fields=["last_verified_at", "updated_at"])
    return contact


_TEXT_FIELDS = [f for f in csvio.FIELDS if f in EDITABLE and f not in ("preferred_channels",
                                                                       "availability")]  # fmt: skip


def row_to_data(row: dict) -> dict:
    """Turn one text row (CSV or vCard) into contact data. Only the cells the row fills are in
    it, so an update never blanks a field the row leaves empty. Raises ContactInvalid."""
    errors: dict[str, list[str]] = {}
    if any("\x00" in value for value in row.values() if isinstance(value, str)):
        # PostgreSQL refuses NUL in text; full_clean lets it through.
        reason = _("A cell contains a NUL character; remove it and import the row again.")
        raise ContactInvalid(reason, {"errors": {"row": [reason]}})
    data = {k: (row.get(k) or "").strip() for k in _TEXT_FIELDS}
    data = {k: v for k, v in data.items() if v}
    channels = (row.get("preferred_channels") or "").replace(";", ",").split(",")
    if any(c.strip() for c in channels):
        data["preferred_channels"] = [c.strip().lower() for c in channels if c.strip()]
    if (row.get("availability") or "").strip():
        try:
            data["availability"] = availability_parse(row["availability"])
        except AvailabilityInvalid as exc:
            errors["availability"] = [problem_text(exc)]
    verified = (row.get("last_verified") or "").strip()
    if verified:
        try:
            data["last_verified_at"] = date.fromisoformat(verified)
        except ValueError:
            errors["last_verified"] = [_("Use a date like 2026-01-31.")]
    if errors:
        raise ContactInvalid(_("The contact is not valid."), {"errors": errors})
    return data


def _row_id(row: dict) -> int | None:
    """The row's CrisisCenter id (the crisiscenter_id column of an export, vCard
    X-CRISISCENTER-ID); None without one. Raises ContactInvalid for text that is no id."""
    text = (row.get("crisiscenter_id") or "").strip()
    if not text:
        return None
    if not (text.isascii() and text.isdigit()):  # "²".isdigit() is True, int("²") fails
        raise ContactInvalid(
            _("The contact is not valid."),
            {"errors": {"crisiscenter_id": [_("Not a contact id.")]}},
        )
    return int(text)


def _same_person(contact: Contact, *, email: str, phone: str) -> bool:
    """The row's e-mail or phone is the stored contact's, or the contact has neither (a
    webhook-only contact): only then does the row's id name this contact."""
    if not contact.email and not contact.phone:
        return True
    return bool(
        (email and email.lower() == contact.email.lower()) or (phone and phone == contact.phone)
    )


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: list[dict] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(1 for r in self.rows if r["status"] == "error")


def _row_match(*, workspace: Workspace, row: dict, data: dict) -> Contact | None:
    """The contact a row updates (None: a new one). Its id counts only when the row's e-mail
    or phone agrees with that contact; ContactInvalid when they do not, or when several
    contacts could be meant."""
    email, phone = data.get("email", ""), phone_normalise(data.get("phone", ""))
    contact_id = _row_id(row)
    by_id = contact_get(workspace=workspace, contact_id=contact_id) if contact_id else None
    if by_id is not None:
        if _same_person(by_id, email=email, phone=phone):
            return by_id
        reason = _("The id belongs to another contact (%(name)s): neither the e-mail nor the "
                   "phone of this row is theirs.") % {"name": by_id.name}  # fmt: skip
        raise ContactInvalid(reason, {"errors": {"crisiscenter_id": [reason]}})
    matches = contact_find_existing(workspace=workspace, email=email, phone=phone)
    if len(matches) > 1:
        names = ", ".join(c.name for c in matches)
        reason = _("Several contacts match this row (%(names)s); add the crisiscenter_id "
                   "column of an export to say which one.") % {"names": names}  # fmt: skip
        raise ContactInvalid(reason, {"errors": {"match": [reason]}})
    return matches[0] if matches else None


def _import_row(*, workspace: Workspace, number: int, row: dict) -> dict:
    try:
        if "_problem" in row:
            reason = problem_text(row["_problem"])
            raise ContactInvalid(reason, {"errors": {"row": [reason]}})
        data = row_to_data(row)
        existing = _row_match(workspace=workspace, row=row, data=data)
        with transaction.atomic():  # a bad row rolls back alone
            if existing:
                if data.get("email", "").lower() == existing.email.lower():
                    data.pop("email", None)  # matched case-insensitively: keep how it is stored
                before = _values(existing)
                contact = contact_update(contact=existing, data=data)
                status = "updated" if _values(contact) != before else "unchanged"
            else:
                data.setdefault("kind", Contact.Kind.COMMUNICATIONS)
                contact = contact_create(workspace=workspace, data=data)
                status = "created"
    except ContactInvalid as exc:
        return {"row": number, "status": "error", "name": row.get("name", ""), **exc.extra}
    return {"row": number, "status": status, "name": contact.name, "id": contact.pk}


def contacts_import(*, workspace: Workspace, text: str, fmt: str) -> ImportReport:
    """Import CSV (comma, semicolon or tab) or vCard text. A row updates the contact with its
    id (an export's crisiscenter_id column) when the row's e-mail or phone agrees with it,
    else the one contact with its e-mail, else the one with its phone; an id naming someone
    else and several candidates are row errors, never an overwrite or a merge. A column
    headed "id" is ignored. A NUL in any cell is a row error. Empty cells leave fields as they
    are, so re-importing an export changes nothing. Reports created/updated/unchanged/error per
    row (row 1 is the first data row or card). Raises ContactImportInvalid if the file cannot
    be read at all or is too long."""
    try:
        rows = csvio.csv_read(text) if fmt == "csv" else vcard.vcard_read(text)
    except (csvio.CsvInvalid, vcard.VcardInvalid) as exc:
        raise ContactImportInvalid(
            _("Cannot read the file: %(reason)s") % {"reason": problem_text(exc)}
        ) from exc
    if len(rows) > IMPORT_MAX_ROWS:
        raise ContactImportInvalid(
            _("At most %(max)d contacts per file.") % {"max": IMPORT_MAX_ROWS}
        )
    report = ImportReport()
    for number, row in enumerate(rows, start=1):
        result = _import_row(workspace=workspace, number=number, row=row)
        report.rows.append(result)
        if result["status"] != "error":
            setattr(report, result["status"], getattr(report, result["status"]) + 1)
    logger.info(
        "contacts.import.done",
        extra={
            "workspace_id": workspace.pk,
            "n_created": report.created,
            "n_updated": report.updated,
            "n_errors": report.errors,
        },
    )
    return report


def contact_export_row(contact: Contact) -> dict:
    """One contact as a text row (the CSV/vCard shape)."""
    return {
        **{k: getattr(contact, k) for k in csvio.FIELDS if hasattr(contact, k)},
        "crisiscenter_id": contact.pk,
        "preferred_channels": ",".join(contact.preferred_channels or []),
        "availability": availability_format(contact.availability or []),
        "last_verified": contact.last_verified_at.isoformat() if contact.last_verified_at else "",
    }


def contacts_export(*, contacts: list[Contact], fmt: str) -> str:
    """CSV (formula-safe) or vCard 3.0 text of the given contacts."""
    rows = [contact_export_row(c) for c in contacts]
    return csvio.csv_write(rows) if fmt == "csv" else vcard.vcard_write(rows)
