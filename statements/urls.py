from django.urls import path

from statements import views

urlpatterns = [
    path(
        "incidents/<int:incident_id>/statements/",
        views.incident_statements,
        name="incident-statements",
    ),
    path("statements/templates/", views.template_library, name="statement-templates"),
]
