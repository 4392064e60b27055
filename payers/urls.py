"""URLs of the payer screens, under /billing/payers/: payer profiles and fee schedules."""

from django.urls import path

from . import views

app_name = "payers"

urlpatterns = [
    path("payers/", views.payer_list, name="payer-list"),
    path("payers/<int:payer_id>/", views.payer_detail, name="payer-detail"),
    path("payers/<int:payer_id>/fees/", views.fee_save, name="fee-save"),
    path("payers/<int:payer_id>/fees/<int:fee_id>/delete/", views.fee_delete, name="fee-delete"),
]
