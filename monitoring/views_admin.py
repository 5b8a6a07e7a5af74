"""Admin pages of a workspace: sources with their health, watch terms, rules, imports."""

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crisiscenter.exceptions import CrisisCenterError
from monitoring import selectors, services
from monitoring.exceptions import SourceConfigInvalid
from monitoring.forms import (
    AlertRuleForm,
    ImportForm,
    SourceEditForm,
    SourceForm,
    WatchTermForm,
)
from monitoring.importing import detect_format
from monitoring.models import AlertRule, Source, WatchTerm
from workspaces.models import Membership, Workspace
from workspaces.page_permissions import workspace_for_page

DEAD_LETTERS_SHOWN = 20  # the newest; the API lists them all


@login_required
def sources_page(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=False)
    return _sources_page(request, workspace, role, SourceForm())


def _sources_page(
    request: HttpRequest,
    workspace: Workspace,
    role: str,
    source_form: SourceForm,
    status: int = 200,
    term_form: WatchTermForm | None = None,
) -> HttpResponse:
    slug = workspace.slug
    dead_letters = selectors.dead_letter_list(user=request.user, workspace=slug)
    return render(
        request,
        "monitoring/sources.html",
        {
            "workspace": workspace,
            "role": role,
            "is_admin": role == Membership.Role.ADMIN,
            "sources": selectors.source_list(user=request.user, workspace=slug),
            "terms": selectors.watch_term_list(user=request.user, workspace=slug),
            "imports": selectors.import_job_list(user=request.user, workspace=slug)[:10],
            "dead_letters": dead_letters[:DEAD_LETTERS_SHOWN],
            "dead_letter_count": dead_letters.count(),
            "source_form": source_form,
            "term_form": term_form or WatchTermForm(),
            "import_form": ImportForm(initial={"platform": "import"}),
            "rules": selectors.alert_rule_list(user=request.user, workspace=slug),
            "rule_form": AlertRuleForm(),
        },
        status=status,
    )


def _back(slug: str) -> HttpResponse:
    return redirect("workspace-sources", slug=slug)


@login_required
@require_POST
def source_add(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a source; an invalid form comes back with its errors (secrets are not refilled)."""
    workspace, role = workspace_for_page(request, slug, admin=True)
    form = SourceForm(request.POST)
    if form.is_valid():
        try:
            services.source_create(
                workspace_id=workspace.pk,
                name=form.cleaned_data["name"],
                platform=form.cleaned_data["platform"],
                settings=form.cleaned_data["settings"],
                interval=form.cleaned_data["poll_interval_seconds"],
                credentials=form.credentials(),
            )
        except SourceConfigInvalid as exc:
            form.add_config_error(form.cleaned_data["platform"], exc)
        else:
            messages.success(request, _("Source added."))
            return _back(slug)
    return _sources_page(request, workspace, role, form, status=400)


def _source(workspace: Workspace, pk: int) -> Source:
    source = selectors.source_get(workspace_id=workspace.pk, source_id=pk)
    if source is None:
        raise Http404
    return source


@login_required
@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a source's name, settings, interval, enabled flag and credentials (admins)."""
    workspace, role = workspace_for_page(request, slug, admin=True)
    source = _source(workspace, pk)
    stored_keys = selectors.source_credential_keys(source=source)
    kwargs = {"platform": source.platform, "stored_keys": stored_keys or []}
    status = 200
    if request.method == "POST":
        form = SourceEditForm(request.POST, **kwargs)
        if form.is_valid():
            try:
                services.source_update(
                    source=source, credentials=form.credential_changes(), **form.changes(source)
                )
            except SourceConfigInvalid as exc:
                form.add_config_error(source.platform, exc)
            else:
                messages.success(request, _("Source saved."))
                return _back(slug)
        status = 400
    else:
        initial = {
            "name": source.name,
            "settings": json.dumps(source.settings, ensure_ascii=False, indent=2),
            "poll_interval_seconds": source.poll_interval_seconds,
            "is_enabled": source.is_enabled,
        }
        form = SourceEditForm(initial=initial, **kwargs)
    return render(
        request,
        "monitoring/source_form.html",
        {
            "workspace": workspace,
            "role": role,
            "source": source,
            "form": form,
            "credentials_unreadable": stored_keys is None,
        },
        status=status,
    )


@login_required
@require_POST
def source_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Delete a source after the confirm box on its edit page was ticked; mentions stay."""
    workspace, _role = workspace_for_page(request, slug, admin=True)
    source = _source(workspace, pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm the deletion."))
        return redirect("source-edit", slug=slug, pk=pk)
    services.source_delete(source=source)
    messages.success(request, _("Source “%(name)s” deleted.") % {"name": source.name})
    return _back(slug)


def _toggle(request: HttpRequest, slug: str, model: type, pk: int, update: Any) -> HttpResponse:
    """Flip `is_enabled` of one of the workspace's sources, watch terms or rules through its
    service."""
    workspace, _role = workspace_for_page(request, slug, admin=True)
    obj = model.objects.filter(workspace=workspace, pk=pk).first()
    if obj is None:
        raise Http404
    update(obj, is_enabled=not obj.is_enabled)
    return _back(slug)


@login_required
@require_POST
def source_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _toggle(
        request, slug, Source, pk, lambda s, **kw: services.source_update(source=s, **kw)
    )


@login_required
@require_POST
def term_add(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=True)
    form = WatchTermForm(request.POST)
    if form.is_valid():
        try:
            services.watch_term_create(workspace_id=workspace.pk, query=form.cleaned_data["query"])
        except CrisisCenterError as exc:
            form.add_error("query", exc.message)
        else:
            messages.success(request, _("Watch term added."))
            return _back(slug)
    # The page again with the query as typed and the reason beside it, to correct it there.
    return _sources_page(request, workspace, role, SourceForm(), status=400, term_form=form)


@login_required
@require_POST
def term_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _toggle(
        request, slug, WatchTerm, pk, lambda t, **kw: services.watch_term_update(term=t, **kw)
    )


@login_required
@require_POST
def term_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workspace, _role = workspace_for_page(request, slug, admin=True)
    term = WatchTerm.objects.filter(workspace=workspace, pk=pk).first()
    if term is None:
        raise Http404
    services.watch_term_delete(term=term)
    return _back(slug)


@login_required
@require_POST
def import_upload(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, _role = workspace_for_page(request, slug, admin=True)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return _back(slug)
    upload = form.cleaned_data["file"]
    try:
        content = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, _("The file is not UTF-8 text."))
        return _back(slug)
    services.import_job_create(
        workspace_id=workspace.pk,
        user=request.user,
        filename=upload.name,
        content=content,
        fmt=detect_format(upload.name, content[:100]),
        platform=form.cleaned_data["platform"],
    )
    messages.success(request, _("Import started."))
    return _back(slug)


@login_required
@require_POST
def rule_add(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, _role = workspace_for_page(request, slug, admin=True)
    form = AlertRuleForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors.as_text())
        return _back(slug)
    try:
        services.alert_rule_create(workspace_id=workspace.pk, **form.cleaned_data)
    except CrisisCenterError as exc:
        messages.error(request, exc.message)
        return _back(slug)
    messages.success(request, _("Alert rule added."))
    return _back(slug)


@login_required
@require_POST
def rule_toggle(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    return _toggle(
        request, slug, AlertRule, pk, lambda r, **kw: services.alert_rule_update(rule=r, **kw)
    )
