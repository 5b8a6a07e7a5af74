"""`{% include_if_exists "name.html" %}`: render a template another app may not ship yet."""

from django import template
from django.template.loader import get_template

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
