from django.contrib import admin

from escalation.models import Delivery, EscalationProtocol, EscalationRun


@admin.register(EscalationProtocol)
class EscalationProtocolAdmin(admin.ModelAdmin):
    list_display = ["name", "workspace", "min_severity", "version", "is_enabled"]


@admin.register(EscalationRun)
class EscalationRunAdmin(admin.ModelAdmin):
    list_display = ["incident", "protocol", "status", "tier_index", "next_deadline"]
    list_filter = ["status"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ["run", "channel", "recipient", "status", "attempts"]
    list_filter = ["status", "channel"]
