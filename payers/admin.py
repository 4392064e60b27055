from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from .models import FeeScheduleEntry, Payer, PayerChange

if TYPE_CHECKING:
    # The admin classes are generic in django-stubs only; Django's own take no type
    # parameters at run time, so only the type checker sees them.
    FeeInlineBase = admin.TabularInline[FeeScheduleEntry, Payer]
    PayerAdminBase = admin.ModelAdmin[Payer]
else:
    FeeInlineBase = admin.TabularInline
    PayerAdminBase = admin.ModelAdmin


class FeeInline(FeeInlineBase):
    model = FeeScheduleEntry
    extra = 0


@admin.register(Payer)
class PayerAdmin(PayerAdminBase):
    list_display = ["name", "slug", "payer_id", "claim_filing_indicator", "timely_filing_days"]
    inlines = [FeeInline]


@admin.register(PayerChange)
class PayerChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "payer", "field", "old", "new", "user"]
