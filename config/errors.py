"""The 500 and 503 pages: what happened, that the last action was not saved, what to do.

``server_error`` is the project's ``handler500``. Django calls it while the exception is
being handled, so it can tell a lost database (``OperationalError``, ``InterfaceError``:
the connection failed, the server restarted, a lock or serialisation failure) from a
bug: the first gets the 503 page and ``Retry-After``, the second the 500 page. Both are
rendered without a request context, so they need neither the database nor the session.
"""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 60


def server_error(request: HttpRequest) -> HttpResponse:
    """``handler500``: the 503 page when the database is unavailable, else the 500 page."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        response = HttpResponse(render_to_string("503.html"), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return HttpResponse(render_to_string("500.html"), status=500)
