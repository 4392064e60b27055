"""The request type of views that only a signed-in user reaches.

A view behind ``role_required`` (or ``login_required``) never sees an anonymous user, and
django-htmx's middleware has put its details on every request. Annotating such a view's
request as ``AuthenticatedRequest`` tells the type checker both, so ``request.user`` is a
``User`` that services and selectors take as it is. It is a type only: Django still
builds a plain ``HttpRequest``.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class AuthenticatedRequest(HttpRequest):
    """A request from a signed-in user, plus django-htmx's details."""

    user: User
    htmx: HtmxDetails
