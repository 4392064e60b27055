from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin

from accounts.admin import ReadOnlyAdmin

from .models import Drug, DrugChange, FeeScheduleEntry, Payer, PayerChange

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


@admin.register(Drug)
class DrugAdmin(ReadOnlyAdmin):
    """Read-only here: the drug table is edited on its page (/billing/drugs/), which records
    every change."""

    list_display = ["code", "product", "billing_unit_mg", "multi_dose", "effective_until"]


@admin.register(DrugChange)
class DrugChangeAdmin(ReadOnlyAdmin):
    list_display = ["at", "drug", "field", "old", "new", "user"]
