"""URLs of the payer screens, under /billing/: payer profiles, fee schedules, the drug table."""

from django.urls import path

from . import views

app_name = "payers"

urlpatterns = [
    path("payers/", views.payer_list, name="payer-list"),
    path("payers/<int:payer_id>/", views.payer_detail, name="payer-detail"),
    path("payers/<int:payer_id>/fees/", views.fee_save, name="fee-save"),
    path("payers/<int:payer_id>/fees/<int:fee_id>/delete/", views.fee_delete, name="fee-delete"),
    path("drugs/", views.drug_list, name="drug-list"),
    path("drugs/<int:drug_id>/", views.drug_detail, name="drug-detail"),
    path("drugs/<int:drug_id>/end/", views.drug_end, name="drug-end"),
]
