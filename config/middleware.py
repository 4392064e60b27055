"""Protections every response gets, whatever app and view it comes from (issue 10).

- :class:`NoStoreMiddleware`: nothing sent to a signed-in user is cached.
- :class:`UnreadableInputMiddleware`: a NUL character in the path or the query
  string is a 400 page, before any view or query sees it.

Their places in ``settings.MIDDLEWARE`` matter and are explained there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

NUL = "\x00"
UNREADABLE_INPUT = "The request carried a character that cannot be read."


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response to a signed-in user but static files.

    One rule instead of a list of PHI views: charts, patients, the claim queue and
    every download (837P, CSV, PDF) are covered, and so is any page added later.
    Put first in ``MIDDLEWARE`` so it also covers responses that inner middleware
    returns on its own (the two-step redirect, the 400 page).
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


def _has_nul(values: Iterable[tuple[str, list[str]]]) -> bool:
    return any(NUL in key or any(NUL in value for value in items) for key, items in values)


def carries_nul(request: HttpRequest) -> bool:
    """Whether the path or the query string holds a NUL character."""
    return NUL in request.path or _has_nul(request.GET.lists())


class UnreadableInputMiddleware:
    """A NUL character in the address is answered with a 400 in the app's layout.

    PostgreSQL cannot store or compare NUL in text, so ``?q=%00`` in a search box was
    a server error; no address has a use for it. Form data is left to the forms: every
    form field refuses NUL with an error next to it and the form comes back as typed
    (a draft note drops the NUL and is kept), where a 400 page could lose a note (no
    page is cached, so Back reloads it empty). Put last, after the authentication and
    message middleware, so the page shows the user's navigation.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if carries_nul(request):
            context = {"reason": UNREADABLE_INPUT}
            return render(request, "400.html", context, status=400)
        return self.get_response(request)
