"""HTML pages for contacts: list with filters and the 90-day flag, edit form, import, export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from contacts import selectors, services
from contacts.api import export_response, import_format, upload_text
from contacts.availability import availability_format
from contacts.exceptions import ContactImportInvalid, ContactInUse, ContactInvalid
from contacts.forms import ContactForm, ContactImportForm
from contacts.models import Contact
from workspaces.models import Membership
from workspaces.page_permissions import first_workspace_redirect, workspace_for_page


@login_required
def contacts_home(request: HttpRequest) -> HttpResponse:
    return first_workspace_redirect(request, "workspace-contacts")


@login_required
def contacts_page(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=False)
    flagged = request.GET.get("flagged") == "1"
    kind = request.GET.get("kind", "")
    filters = selectors.ContactFilters(
        kind=kind if kind in Contact.Kind.values else "",
        q=request.GET.get("q", "")[:200],
        flagged=True if flagged else None,
    )
    page = Paginator(selectors.contact_list(workspace=workspace, filters=filters), 100).get_page(
        request.GET.get("page")
    )
    contacts = list(page.object_list)
    for contact in contacts:
        contact.flagged = selectors.contact_is_flagged(contact)
        contact.availability_text = availability_format(contact.availability or [])
    return render(request, "contacts/contacts.html", {
        "workspace": workspace, "role": role, "is_admin": role == Membership.Role.ADMIN,
        "contacts": contacts, "page": page, "kinds": Contact.Kind.choices, "filters": filters,
        "flagged_count": selectors.contact_list(
            workspace=workspace, filters=selectors.ContactFilters(flagged=True)
        ).count(),
        "import_form": ContactImportForm(),
    })  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=True)
    contact = None
    if pk is not None:
        contact = selectors.contact_get(workspace=workspace, contact_id=pk)
        if contact is None:
            raise Http404
    if request.method == "POST":
        form = ContactForm(request.POST, workspace=workspace)
        if form.is_valid():
            try:
                if contact is None:
                    services.contact_create(workspace=workspace, data=form.cleaned_data)
                else:
                    services.contact_update(contact=contact, data=form.cleaned_data)
                messages.success(request, _("Contact saved."))
                return redirect("workspace-contacts", slug=workspace.slug)
            except ContactInvalid as exc:
                for field, problems in exc.extra.get("errors", {}).items():
                    target = field if field in form.fields else None
                    form.add_error(target, " ".join(problems))
    else:
        initial = {"availability": "24/7"}
        if contact is not None:
            initial = {
                f: getattr(contact, f) for f in ContactForm.base_fields if hasattr(contact, f)
            }
            initial["availability"] = availability_format(contact.availability or [])
        form = ContactForm(initial=initial, workspace=workspace)
    return render(request, "contacts/contact_form.html", {
        "workspace": workspace, "role": role, "contact": contact, "form": form,
    })  # fmt: skip


@login_required
@require_POST
def contact_verify(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workspace, _role = workspace_for_page(request, slug, admin=True)
    contact = selectors.contact_get(workspace=workspace, contact_id=pk)
    if contact is None:
        raise Http404
    services.contact_verify(contact=contact)
    messages.success(request, _("%(name)s marked as verified today.") % {"name": contact.name})
    return redirect("workspace-contacts", slug=workspace.slug)


@login_required
@require_POST
def contact_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workspace, _role = workspace_for_page(request, slug, admin=True)
    contact = selectors.contact_get(workspace=workspace, contact_id=pk)
    if contact is None:
        raise Http404
    try:
        services.contact_delete(contact=contact)
    except ContactInUse as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Contact deleted."))
    return redirect("workspace-contacts", slug=workspace.slug)


@login_required
@require_POST
def contacts_import(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=True)
    form = ContactImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return redirect("workspace-contacts", slug=workspace.slug)
    upload = form.cleaned_data["file"]
    try:
        report = services.contacts_import(
            workspace=workspace, text=upload_text(upload), fmt=import_format(upload.name, None)
        )
    except ContactImportInvalid as exc:
        messages.error(request, exc.message)
        return redirect("workspace-contacts", slug=workspace.slug)
    return render(request, "contacts/import_report.html", {
        "workspace": workspace, "role": role, "report": report,
        # reasons that are whole sentences, shown without a field name in front
        "quiet_keys": ("row", "match", "non_field_errors"),
    })  # fmt: skip


@login_required
def contacts_export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    workspace, _role = workspace_for_page(request, slug, admin=False)
    if fmt not in ("csv", "vcard"):
        raise Http404
    return export_response(workspace=workspace, fmt=fmt)
