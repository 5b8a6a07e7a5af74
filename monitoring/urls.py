from django.urls import path

from monitoring import views

urlpatterns = [
    path("", views.home, name="dashboard"),
    path("w/<slug:slug>/", views.dashboard, name="workspace-dashboard"),
]
