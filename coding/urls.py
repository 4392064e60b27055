from django.urls import path

from . import views

app_name = "coding"

urlpatterns = [
    path("panel/", views.proposal_panel, name="proposal-panel"),
]
