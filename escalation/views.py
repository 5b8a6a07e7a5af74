"""HTML pages: escalations of a workspace (with acknowledge), protocols (edit, history) and
the acknowledge link's confirm page (GET shows it; only the POST acknowledges, so mail
scanners that prefetch links acknowledge nothing)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contacts.selectors import contact_list
from crisiscenter.exceptions import CrisisCenterError
from escalation import selectors, services
from escalation.exceptions import AckLinkExpired, AckLinkInvalid, EscalationNotActive
from escalation.forms import ProtocolForm, TierFormSet
from escalation.models import EscalationRun
from escalation.services.protocols import tier_key
from workspaces.models import Membership
from workspaces.page_permissions import first_workspace_redirect, workspace_for_page

SMS_WARNING = gettext_lazy(
    "No SMS gateway is configured (ESCALATION_SMS_URL): this protocol's SMS messages will fail."
)


@login_required
def escalations_home(request: HttpRequest) -> HttpResponse:
    return first_workspace_redirect(request, "workspace-escalations")


@login_required
def escalations_page(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=False)
    runs = selectors.run_list(user=request.user, workspace=slug)
    return render(request, "escalation/escalations.html", {
        "workspace": workspace, "role": role,
        "active": [r for r in runs.filter(status=EscalationRun.Status.ACTIVE)],
        "ended": runs.exclude(status=EscalationRun.Status.ACTIVE)[:20],
    })  # fmt: skip


@login_required
@require_POST
def escalation_acknowledge(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workspace, _role = workspace_for_page(request, slug, admin=False)
    run = selectors.run_list(user=request.user, workspace=slug).filter(pk=pk).first()
    if run is None:
        raise Http404
    try:
        services.escalation_acknowledge(
            run=run, user=request.user, name=request.user.get_username(), via="app"
        )
        messages.success(request, _("Escalation acknowledged; no further tiers will be alerted."))
    except EscalationNotActive as exc:
        messages.error(request, exc.message)
    return redirect("workspace-escalations", slug=workspace.slug)


@require_http_methods(["GET", "POST"])
def ack_link(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a message. GET: confirm page with a button; POST: acknowledge."""
    context: dict = {"token": token}
    try:
        delivery = selectors.delivery_for_token(token=token)
        if delivery is None:
            raise AckLinkInvalid(_("This acknowledge link is not valid."))
        context["delivery"] = delivery
        context["run"] = delivery.run
        if request.method == "POST":
            context["run"] = services.escalation_acknowledge_by_link(delivery=delivery)
            context["done"] = True
    except AckLinkExpired as exc:
        return render(request, "escalation/ack.html", {"error": exc.message}, status=410)
    except AckLinkInvalid as exc:
        return render(request, "escalation/ack.html", {"error": exc.message}, status=400)
    except EscalationNotActive as exc:
        context["already"] = exc.message
    return render(request, "escalation/ack.html", context)


@login_required
def protocols_home(request: HttpRequest) -> HttpResponse:
    return first_workspace_redirect(request, "workspace-protocols")


@login_required
def protocols_page(request: HttpRequest, slug: str) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=False)
    return render(request, "escalation/protocols.html", {
        "workspace": workspace, "role": role, "is_admin": role == Membership.Role.ADMIN,
        "protocols": selectors.protocol_list_described(user=request.user, workspace=slug),
    })  # fmt: skip


def _tier_initial(protocol) -> list[dict]:
    return [
        {"contact_ids": [c.pk for c in t.contacts.all()], "roles": t.roles,
         "channels": t.channels, "wait_minutes": round(t.wait_seconds / 60, 3)}
        for t in protocol.tiers.all()
    ]  # fmt: skip


def _errors_place(exc: CrisisCenterError, *, form, tier_forms: list, all_tiers: list) -> None:
    """Show the service's reasons once each, where they belong: a tier's at that tier
    ("Tier 2: …", numbered as on the page, where blank rows still count), a field's at the
    field, the rest (and the summary) at the top."""
    errors = dict(exc.extra.get("errors", {}))
    form.add_error(None, exc.message)
    for index, tier_form in enumerate(tier_forms):
        number = all_tiers.index(tier_form) + 1
        for problem in errors.pop(tier_key(index), []):
            tier_form.add_error(
                None, _("Tier %(n)d: %(problem)s") % {"n": number, "problem": problem}
            )
    for field, problems in errors.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def _protocol_save(request: HttpRequest, workspace, protocol, form, tiers) -> bool:
    """Save the posted protocol through the service; False (errors placed) if refused."""
    filled = [t for t in tiers.forms if t.cleaned_data and not t.is_blank()]
    values, tier_data = form.cleaned_data, [t.as_tier() for t in filled]
    try:
        if protocol is None:
            services.protocol_create(
                workspace=workspace, values=values, tiers=tier_data, by=request.user
            )
        else:
            services.protocol_update(
                protocol=protocol, values=values, tiers=tier_data, by=request.user
            )
    except CrisisCenterError as exc:
        _errors_place(exc, form=form, tier_forms=filled, all_tiers=tiers.forms)
        return False
    messages.success(request, _("Protocol saved; a new version was recorded."))
    if selectors.tiers_sms_unreachable(tier_data):
        messages.warning(request, SMS_WARNING)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def protocol_edit(request: HttpRequest, slug: str, pk: int | None = None) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=True)
    protocol = None
    if pk is not None:
        protocol = selectors.protocol_list(user=request.user, workspace=slug).filter(pk=pk).first()
        if protocol is None:
            raise Http404
    choices = [
        (c.pk, f"{c.name} ({c.get_kind_display()})") for c in contact_list(workspace=workspace)
    ]
    kwargs = {"form_kwargs": {"contact_choices": choices}, "prefix": "tiers"}
    if request.method == "POST":
        form = ProtocolForm(request.POST)
        tiers = TierFormSet(request.POST, **kwargs)
        if (
            form.is_valid()
            and tiers.is_valid()
            and _protocol_save(request, workspace, protocol, form, tiers)
        ):
            return redirect("workspace-protocols", slug=workspace.slug)
        rows = [{"channels": t.data.getlist(t.add_prefix("channels"))} for t in tiers.forms]
    else:
        initial = {"language": "nl", "repeat_count": 0, "is_enabled": True}
        if protocol is not None:
            initial = {
                f: getattr(protocol, f)
                for f in ("name", "min_severity", "language", "repeat_count", "is_enabled")
            }
        form = ProtocolForm(initial=initial)
        rows = _tier_initial(protocol) if protocol else []
        rows += [{}] * (max(3, len(rows) + 1) - len(rows))
        tiers = TierFormSet(initial=rows, **kwargs)
    return render(request, "escalation/protocol_form.html", {
        "workspace": workspace, "role": role, "protocol": protocol, "form": form, "tiers": tiers,
        "sms_warning": SMS_WARNING if selectors.tiers_sms_unreachable(rows) else "",
    })  # fmt: skip


@login_required
def protocol_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    workspace, role = workspace_for_page(request, slug, admin=False)
    protocol = selectors.protocol_list(user=request.user, workspace=slug).filter(pk=pk).first()
    if protocol is None:
        raise Http404
    versions = selectors.protocol_history(protocol=protocol)
    return render(request, "escalation/protocol_history.html", {
        "workspace": workspace, "role": role, "protocol": protocol, "versions": versions,
    })  # fmt: skip
