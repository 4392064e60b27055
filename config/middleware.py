"""Protections every response gets, whatever app and view it comes from (issue 10).

- :class:`NoStoreMiddleware`: nothing sent to a signed-in user is cached.

Their places in ``settings.MIDDLEWARE`` matter and are explained there.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user but static files.

    One rule instead of a list of PHI views: charts, patients, the claim queue and
    every download (837P, CSV, PDF) are covered, and so is any page added later.
    Put first in ``MIDDLEWARE`` so it also covers responses that inner middleware
    returns on its own (the two-step redirect).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)  # absent when WhiteNoise served a static file
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(settings.STATIC_URL)
        ):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"  # HTTP/1.0 caches
        return response
