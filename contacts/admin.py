from django.contrib import admin

from contacts.models import Contact


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "workspace", "last_verified_at"]
    list_filter = ["kind", "workspace"]
    search_fields = ["name", "organisation", "email"]
