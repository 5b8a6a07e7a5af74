from django.urls import path

from playbooks import views

urlpatterns = [path("", views.playbook_list_page, name="playbook-list-page")]
