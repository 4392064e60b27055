from django.contrib import admin

from .models import AccessRecord, Clinician


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin):
    list_display = ["__str__", "npi", "taxonomy_code", "state_license"]
    search_fields = ["user__last_name", "npi"]


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "role", "action", "object_type", "object_id"]
    list_filter = ["action", "object_type", "role"]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
