from django.contrib import admin

from .models import FeeScheduleEntry, Payer, PayerChange


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
