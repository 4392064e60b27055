"""The practice admin's list of standardized instruments (BA-1), kept in the Django admin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from .models import Instrument

if TYPE_CHECKING:
    # Generic in django-stubs only; Django's own class takes no type parameter at run time.
    InstrumentAdminBase = admin.ModelAdmin[Instrument]
else:
    InstrumentAdminBase = admin.ModelAdmin


@admin.register(Instrument)
class InstrumentAdmin(InstrumentAdminBase):
    list_display = ["name", "counts_for_96127", "score_min", "score_max", "active"]
    list_filter = ["active", "counts_for_96127"]
    search_fields = ["name"]

    def has_delete_permission(self, request: HttpRequest, obj: Instrument | None = None) -> bool:
        # Scores point at their instrument: retire it (untick Active) instead.
        return False
