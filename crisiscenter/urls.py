from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from crisiscenter.health import healthz
from statements.forms import LockoutAuthenticationForm
from workspaces.views import language_set

urlpatterns = [
    path("", include("monitoring.urls")),
    path("", include("contacts.urls")),
    path("", include("escalation.urls")),
    path("", include("statements.urls")),
    path("incidents/", include("incidents.urls")),
    path("playbooks/", include("playbooks.urls")),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LockoutAuthenticationForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/setlang/", language_set, name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("crisiscenter.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", healthz, name="healthz"),
]
