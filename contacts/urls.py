from django.urls import path

from contacts import views

urlpatterns = [
    path("contacts/", views.contacts_home, name="contacts-home"),
    path("w/<slug:slug>/contacts/", views.contacts_page, name="workspace-contacts"),
    path("w/<slug:slug>/contacts/new/", views.contact_edit, name="contact-new"),
    path("w/<slug:slug>/contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path(
        "w/<slug:slug>/contacts/<int:pk>/verify/", views.contact_verify, name="contact-verify-page"
    ),
    path("w/<slug:slug>/contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("w/<slug:slug>/contacts/import/", views.contacts_import, name="contacts-import"),
    path("w/<slug:slug>/contacts/export.<str:fmt>", views.contacts_export, name="contacts-export"),
]
