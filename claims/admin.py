from django.contrib import admin

from .models import Claim, ClaimTransition, ExportBatch


class TransitionInline(admin.TabularInline):
    model = ClaimTransition
    extra = 0
    can_delete = False
    readonly_fields = ["from_state", "to_state", "user", "at", "reason"]


@admin.register(Claim)
class ClaimAdmin(admin.ModelAdmin):
    list_display = ["number", "state", "scrub_status", "date_of_service", "payer", "total_charge"]
    list_filter = ["state", "scrub_status", "payer"]
    search_fields = ["number"]
    raw_id_fields = ["encounter", "patient", "clinician", "coverage", "batch"]
    inlines = [TransitionInline]


@admin.register(ExportBatch)
class ExportBatchAdmin(admin.ModelAdmin):
    list_display = ["control_number", "created_at", "created_by", "claim_count"]
