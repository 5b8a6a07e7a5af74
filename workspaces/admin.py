from django.contrib import admin

from statements.services.templates import workspace_content_install
from workspaces.models import Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [MembershipInline]

    def save_model(self, request, obj: Workspace, form, change: bool) -> None:
        """A workspace added here starts with the shipped content, as one made through
        `POST /api/workspaces/` does (an entry point may compose apps)."""
        super().save_model(request, obj, form, change)
        if not change:
            workspace_content_install(workspace=obj)
