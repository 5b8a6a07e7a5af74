from django.urls import path

from incidents import views

urlpatterns = [
    path("", views.incident_list_page, name="incident-list-page"),
    path("<int:pk>/", views.incident_page, name="incident-page"),
]
