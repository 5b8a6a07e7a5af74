"""Template helpers of the incident and statement pages: `{% include_if_exists %}` (render a
template another app may not ship yet), `http_url`, `short_datetime`, `platform_labels`."""

from datetime import datetime

from django import template
from django.template.loader import get_template
from django.utils import formats, timezone
from django.utils.translation import pgettext

from monitoring.models import Platform

register = template.Library()


@register.simple_tag(takes_context=True)
def include_if_exists(context: template.Context, name: str) -> str:
    """Render `name` with the current context, or nothing if no such template exists."""
    try:
        tpl = get_template(name)
    except template.TemplateDoesNotExist:
        return ""
    return tpl.render(context.flatten(), context.get("request"))


@register.filter
def http_url(value: str) -> str:
    """The URL if it is http(s), else "" (post URLs are attacker-controlled)."""
    text = str(value or "")
    return text if text.lower().startswith(("http://", "https://")) else ""


@register.filter
def short_datetime(value: datetime | None, precision: str = "") -> str:
    """Day, short month and time in the local zone, as the pages' JS shows times (Intl): "8 dec
    14:05" in Dutch, "8 Dec 14:05" in English; with the year when it is not this year. The
    formats are translatable (Django's `M` is capitalised in every language, `b` is not).
    `|short_datetime:"seconds"` adds the seconds (audit trails)."""
    if not value:
        return ""
    local = timezone.localtime(value)
    if local.year == timezone.localtime().year:
        fmt = pgettext("short date and time", "j M H:i")
    else:
        fmt = pgettext("short date, year and time", "j M Y H:i")
    return formats.date_format(local, fmt + (":s" if precision == "seconds" else ""))


@register.filter
def platform_labels(codes: list[str] | None) -> str:
    """Platform codes as their names ("mastodon, x" → "Mastodon, X"), "-" when none."""
    labels = dict(Platform.choices)
    return ", ".join(str(labels.get(code, code)) for code in codes or []) or "-"


@register.filter
def platform_label(code: str) -> str:
    """One platform code as its name."""
    return str(dict(Platform.choices).get(code, code))
