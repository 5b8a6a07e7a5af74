"""Django admin: the timeline is read-only for everyone (the database refuses edits too)."""

from django.contrib import admin
from django.http import HttpRequest

from incidents.models import Claim, Incident, IncidentEvent, IncidentTask, ResponseClockPolicy


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "incident", "kind", "actor", "summary"]
    list_filter = ["kind"]
    search_fields = ["summary"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Incidents are run from the app (every change must reach the timeline); never deleted."""

    list_display = ["title", "workspace", "status", "severity", "opened_at"]
    list_filter = ["status", "severity"]


admin.site.register(Claim, ReadOnlyAdmin)
admin.site.register(IncidentTask, ReadOnlyAdmin)
admin.site.register(ResponseClockPolicy)
