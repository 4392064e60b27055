from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessRecord, Clinician

if TYPE_CHECKING:
    ModelAdminBase = admin.ModelAdmin[Any]
else:
    ModelAdminBase = admin.ModelAdmin


class ReadOnlyAdmin(ModelAdminBase):
    """The admin pages of an append-only record: list and view, never add, change or delete.

    The tables refuse UPDATE and DELETE on PostgreSQL (``accounts.triggers``); these
    pages refuse them first, for superusers too, so nobody meets a database error.
    """

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Clinician)
class ClinicianAdmin(ModelAdminBase):
    list_display = ["__str__", "npi", "taxonomy_code", "state_license"]
    search_fields = ["user__last_name", "npi"]


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "role", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type", "role"]
