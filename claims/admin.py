from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from accounts.admin import ReadOnlyAdmin

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


@admin.register(ExportBatch)
class ExportBatchAdmin(ReadOnlyAdmin):
    list_display = ["control_number", "created_at", "created_by", "claim_count"]
