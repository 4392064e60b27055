from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib import admin
from django.http import HttpRequest

from .models import AccessRecord, Clinician

if TYPE_CHECKING:
    # ModelAdmin is generic in django-stubs only; Django's takes no type parameter at run time.
    ClinicianAdminBase = admin.ModelAdmin[Clinician]
    AccessRecordAdminBase = admin.ModelAdmin[AccessRecord]
else:
    ClinicianAdminBase = AccessRecordAdminBase = admin.ModelAdmin


@admin.register(Clinician)
class ClinicianAdmin(ClinicianAdminBase):
    list_display = ["__str__", "npi", "taxonomy_code", "state_license"]
    search_fields = ["user__last_name", "npi"]


@admin.register(AccessRecord)
class AccessRecordAdmin(AccessRecordAdminBase):
    list_display = ["at", "user", "role", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type", "role"]

    def has_change_permission(self, request: HttpRequest, obj: AccessRecord | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AccessRecord | None = None) -> bool:
        return False
