from django.contrib import admin

from .models import Claim, ClaimTransition, ExportBatch, FeeScheduleEntry, Payer, PayerChange


class FeeInline(admin.TabularInline):
    model = FeeScheduleEntry
    extra = 0


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "payer_id", "claim_filing_indicator", "timely_filing_days"]
    inlines = [FeeInline]


@admin.register(PayerChange)
class PayerChangeAdmin(admin.ModelAdmin):
    list_display = ["at", "payer", "field", "old", "new", "user"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


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
