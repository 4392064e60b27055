from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from .models import Claim, ClaimTransition, ExportBatch

if TYPE_CHECKING:
    # The admin classes are generic in django-stubs only; Django's own take no type
    # parameters at run time, so only the type checker sees them.
    TransitionInlineBase = admin.TabularInline[ClaimTransition, Claim]
    ClaimAdminBase = admin.ModelAdmin[Claim]
    ExportBatchAdminBase = admin.ModelAdmin[ExportBatch]
else:
    TransitionInlineBase = admin.TabularInline
    ClaimAdminBase = ExportBatchAdminBase = admin.ModelAdmin


class TransitionInline(TransitionInlineBase):
    model = ClaimTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "user", "at", "reason"]


@admin.register(Claim)
class ClaimAdmin(ClaimAdminBase):
    list_display = ["number", "state", "scrub_status", "date_of_service", "payer", "total_charge"]
    list_filter = ["state", "scrub_status", "payer"]
    search_fields = ["number"]
    raw_id_fields = ["encounter", "patient", "clinician", "coverage", "batch"]
    inlines = [TransitionInline]


@admin.register(ExportBatch)
class ExportBatchAdmin(ExportBatchAdminBase):
    list_display = ["control_number", "created_at", "created_by", "claim_count"]
