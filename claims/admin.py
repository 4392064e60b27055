"""The Django admin's claim and 837P pages: each page that shows a patient is recorded.

The change list writes one access record naming the patients of its rows, a claim's page
one record of the claim, an 837P file's page one record naming every patient it carries.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from accounts.access import access_record, access_record_list
from accounts.admin import ReadOnlyAdmin

from .export import export_batch_patient_ids
from .models import Claim, ClaimTransition, ExportBatch

if TYPE_CHECKING:
    # The admin classes are generic in django-stubs only; Django's own take no type
    # parameters at run time, so only the type checker sees them.
    TransitionInlineBase = admin.TabularInline[ClaimTransition, Claim]
    ClaimAdminBase = admin.ModelAdmin[Claim]
else:
    TransitionInlineBase = admin.TabularInline
    ClaimAdminBase = admin.ModelAdmin


class TransitionInline(TransitionInlineBase):
    """A claim's history, shown under it; append-only, so nothing here adds or changes a row."""

    model = ClaimTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "user", "at", "reason"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Claim)
class ClaimAdmin(ClaimAdminBase):
    list_display = ["number", "state", "scrub_status", "date_of_service", "payer", "total_charge"]
    list_filter = ["state", "scrub_status", "payer"]
    search_fields = ["number"]
    raw_id_fields = ["encounter", "patient", "clinician", "coverage", "batch"]
    inlines = [TransitionInline]

    def has_delete_permission(self, request: HttpRequest, obj: Claim | None = None) -> bool:
        # A claim is built at signing and keeps its history: voided at the payer, never deleted.
        return False

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = _context(response).get("cl")
        if changelist is not None:
            access_record_list(
                user=request.user,  # type: ignore[arg-type]  # the admin's user is signed in
                rows=Claim,
                patient_ids=[claim.patient_id for claim in changelist.result_list],
                path=request.get_full_path(),
            )
        return response

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        claim = _context(response).get("original")
        if isinstance(claim, Claim):
            access_record(user=request.user, obj=claim, path=request.path)  # type: ignore[arg-type]
        return response


@admin.register(ExportBatch)
class ExportBatchAdmin(ReadOnlyAdmin):
    list_display = ["control_number", "created_at", "created_by", "claim_count"]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        batch = _context(response).get("original")
        if isinstance(batch, ExportBatch):  # the page shows the file as sent
            access_record(
                user=request.user,  # type: ignore[arg-type]
                obj=batch,
                path=request.path,
                patient_ids=export_batch_patient_ids(batch),
            )
        return response


def _context(response: HttpResponse) -> dict[str, Any]:
    """The context of an admin page about to render (empty for a redirect)."""
    if isinstance(response, TemplateResponse) and response.context_data is not None:
        return dict(response.context_data)
    return {}
