from django.urls import path

from realtime.consumers import DashboardConsumer

websocket_urlpatterns = [
    path("ws/workspaces/<slug:slug>/", DashboardConsumer.as_asgi()),
]
