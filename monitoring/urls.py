from django.urls import path

from monitoring import views, views_admin

urlpatterns = [
    path("", views.home, name="dashboard"),
    path("w/<slug:slug>/", views.dashboard, name="workspace-dashboard"),
    path("w/<slug:slug>/sources/", views_admin.sources_page, name="workspace-sources"),
    path("w/<slug:slug>/sources/add/", views_admin.source_add, name="source-add"),
    path("w/<slug:slug>/sources/<int:pk>/toggle/", views_admin.source_toggle, name="source-toggle"),
    path("w/<slug:slug>/sources/<int:pk>/edit/", views_admin.source_edit, name="source-edit"),
    path("w/<slug:slug>/sources/<int:pk>/delete/", views_admin.source_delete, name="source-delete"),
    path("w/<slug:slug>/terms/add/", views_admin.term_add, name="term-add"),
    path("w/<slug:slug>/terms/<int:pk>/delete/", views_admin.term_delete, name="term-delete"),
    path("w/<slug:slug>/terms/<int:pk>/toggle/", views_admin.term_toggle, name="term-toggle"),
    path("w/<slug:slug>/imports/", views_admin.import_upload, name="import-upload"),
    path("w/<slug:slug>/rules/add/", views_admin.rule_add, name="rule-add"),
    path("w/<slug:slug>/rules/<int:pk>/toggle/", views_admin.rule_toggle, name="rule-toggle"),
]
