"""Template filters for workspace data."""

from django import template

from workspaces.models import Membership

register = template.Library()


@register.filter
def role_label(role: str) -> str:
    """The translated label of a membership role code ("crisis_team" -> "Crisisteam");
    an unknown code is shown as it is."""
    try:
        return str(Membership.Role(role).label)
    except ValueError:
        return role
