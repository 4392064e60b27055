from django.urls import path

from . import views

app_name = "encounters"

urlpatterns = [
    path("", views.today, name="today"),
    path("all/", views.encounter_list, name="encounter-list"),
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/new/", views.patient_create, name="patient-create"),
    path("patients/<int:patient_id>/", views.patient_detail, name="patient-detail"),
    path("patients/<int:patient_id>/edit/", views.patient_edit, name="patient-edit"),
    path(
        "patients/<int:patient_id>/encounters/new/",
        views.encounter_create,
        name="encounter-create",
    ),
    path(
        "patients/<int:patient_id>/schedule/",
        views.scheduled_visit_create,
        name="scheduled-visit-create",
    ),
    path("<int:encounter_id>/", views.encounter_detail, name="encounter-detail"),
    path("<int:encounter_id>/edit/", views.encounter_edit, name="encounter-edit"),
    path(
        "<int:encounter_id>/addenda/",
        views.encounter_addendum_add,
        name="encounter-addendum-add",
    ),
    path("templates/", views.note_template_list, name="note-template-list"),
    path("templates/new/", views.note_template_create, name="note-template-create"),
    path("templates/<int:template_id>/edit/", views.note_template_edit, name="note-template-edit"),
    path(
        "templates/<int:template_id>/delete/",
        views.note_template_delete,
        name="note-template-delete",
    ),
    path("icd/", views.icd_search, name="icd-search"),
    path("mdm/", views.mdm_levels, name="mdm-levels"),
]
