from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = _("Monitoring")

    def ready(self) -> None:
        from django.conf import settings

        from monitoring.platforms import addresses

        # Read per request, so a changed setting (tests) applies at once.
        addresses.private_allowed_from(lambda: settings.SOURCES_ALLOW_PRIVATE_URLS)
