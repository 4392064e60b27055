from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.urls")),
    path("encounters/", include("encounters.urls")),
    path("coding/", include("coding.urls")),
    path("billing/", include("claims.urls")),
    path("billing/", include("payers.urls")),
    path("audits/", include("audits.urls")),
    path("admin/", admin.site.urls),
]

# A friendly page, and the 503 page when the database is unavailable (config/errors.py).
handler500 = "config.errors.server_error"
