"""URLs of the claim screens, under /billing/: the queue, claims, exports, the clinician's inbox,
the denial worklist and the billing dashboard."""

from django.urls import path

from . import views, views_authorizations, views_dashboard, views_denials, views_eligibility

app_name = "claims"

urlpatterns = [
    path("", views.claim_queue, name="claim-queue"),
    path("next/", views.claim_next, name="claim-next"),
    path("bulk-approve/", views.claim_bulk_approve, name="claim-bulk-approve"),
    path("claims/<int:claim_id>/", views.claim_detail, name="claim-detail"),
    path(
        "claims/<int:claim_id>/lines/<int:position>/",
        views.claim_line_update,
        name="claim-line-update",
    ),
    path("claims/<int:claim_id>/lines/add/", views.claim_line_add, name="claim-line-add"),
    path("claims/<int:claim_id>/lines/delete/", views.claim_line_delete, name="claim-line-delete"),
    path("claims/<int:claim_id>/answer/", views.claim_answer, name="claim-answer"),
    path(
        "claims/<int:claim_id>/payer-answer/", views.claim_payer_answer, name="claim-payer-answer"
    ),
    path("claims/<int:claim_id>/<slug:action>/", views.claim_action, name="claim-action"),
    path("inbox/", views.clinician_inbox, name="clinician-inbox"),
    path("exports/", views.export_list, name="export-list"),
    path("exports/new/", views.export_create, name="export-create"),
    path("exports/<int:batch_id>/", views.export_download, name="export-download"),
    path("exports/jobs/<int:job_id>/", views.export_job_progress, name="export-job"),
    path("payer-files/", views.payer_file_upload, name="payer-file-upload"),
    path("unmatched/", views.unmatched_list, name="unmatched-list"),
    path("unmatched/<int:item_id>/attach/", views.unmatched_attach, name="unmatched-attach"),
    path("unmatched/<int:item_id>/dismiss/", views.unmatched_dismiss, name="unmatched-dismiss"),
    path("dashboard/", views_dashboard.billing_dashboard, name="billing-dashboard"),
    path(
        "eligibility/",
        views_eligibility.eligibility_schedule,
        name="eligibility-schedule",
    ),
    path(
        "eligibility/coverages/<int:coverage_id>/fix/",
        views_eligibility.coverage_fix,
        name="coverage-fix",
    ),
    path(
        "authorizations/",
        views_authorizations.authorization_worklist,
        name="authorization-worklist",
    ),
    path(
        "authorizations/<int:authorization_id>/",
        views_authorizations.authorization_update,
        name="authorization-update",
    ),
    path(
        "coverages/<int:coverage_id>/authorizations/new/",
        views_authorizations.authorization_create,
        name="authorization-create",
    ),
    path("denials/", views_denials.denial_worklist, name="denial-worklist"),
    path("denials/<int:line_id>/", views_denials.denial_line, name="denial-line"),
    path(
        "denials/<int:line_id>/appeal-letter/",
        views_denials.appeal_letter,
        name="denial-appeal-letter",
    ),
    path(
        "denials/<int:line_id>/<slug:action>/",
        views_denials.denial_action,
        name="denial-action",
    ),
]
