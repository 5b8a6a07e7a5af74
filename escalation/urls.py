from django.urls import path

from escalation import views

urlpatterns = [
    path("escalations/", views.escalations_home, name="escalations-home"),
    path("escalations/ack/<str:token>/", views.ack_link, name="escalation-ack"),
    path("escalation-protocols/", views.protocols_home, name="protocols-home"),
    path("w/<slug:slug>/escalations/", views.escalations_page, name="workspace-escalations"),
    path(
        "w/<slug:slug>/escalations/<int:pk>/acknowledge/",
        views.escalation_acknowledge,
        name="escalation-acknowledge-page",
    ),
    path("w/<slug:slug>/escalation-protocols/", views.protocols_page, name="workspace-protocols"),
    path("w/<slug:slug>/escalation-protocols/new/", views.protocol_edit, name="protocol-new"),
    path(
        "w/<slug:slug>/escalation-protocols/<int:pk>/edit/",
        views.protocol_edit,
        name="protocol-edit",
    ),
    path(
        "w/<slug:slug>/escalation-protocols/<int:pk>/history/",
        views.protocol_history,
        name="protocol-history",
    ),
]
