"""A friendly 500 and 503 page, never a bare "Server Error (500)" (issue 10, finding 5).

Both pages say the last action was not saved and what to do, and render without a
request context or the database (a lost database is the 503's usual cause).
The views below raise on purpose, under a URLconf of this module.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client, RequestFactory, override_settings
from django.urls import include, path

from config.errors import server_error


def broken_view(request: HttpRequest) -> HttpResponse:
    raise ValueError("a bug")


def database_gone_view(request: HttpRequest) -> HttpResponse:
    raise OperationalError("connection to server at 127.0.0.1, port 5432 failed")


def connection_closed_view(request: HttpRequest) -> HttpResponse:
    raise InterfaceError("connection already closed")


def suspicious_view(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("a tampered request")


urlpatterns = [
    path("", include("config.urls")),
    path("test-errors/broken/", broken_view),
    path("test-errors/database-gone/", database_gone_view),
    path("test-errors/connection-closed/", connection_closed_view),
    path("test-errors/suspicious/", suspicious_view),
]
handler500 = "config.errors.server_error"

NOT_SAVED = "was not saved"


def _client() -> Client:
    return Client(raise_request_exception=False)


def test_the_500_handler_needs_no_request_context_and_no_database():
    """No ``django_db`` mark: pytest-django fails the test on any query."""
    response = server_error(RequestFactory().get("/anything/"))
    page = response.content.decode()
    assert response.status_code == 500
    assert NOT_SAVED in page
    assert "Server Error (500)" not in page
    assert "practice administrator" in page


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_view_that_fails_shows_the_friendly_500_page(prescriber):
    client = _client()
    client.force_login(prescriber)
    response = client.get("/test-errors/broken/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "Something went wrong" in page
    assert NOT_SAVED in page
    assert "Server Error (500)" not in page
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
@pytest.mark.parametrize("url", ["/test-errors/database-gone/", "/test-errors/connection-closed/"])
def test_a_lost_database_shows_the_503_page_with_retry_after(url):
    response = _client().get(url)
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "60"
    assert "briefly unavailable" in page
    assert NOT_SAVED in page


def test_the_503_page_renders_without_the_database():
    request = RequestFactory().get("/anything/")
    try:
        raise OperationalError("the server closed the connection unexpectedly")
    except OperationalError:
        response = server_error(request)  # no django_db mark: a query would fail the test
    assert response.status_code == 503
    assert NOT_SAVED in response.content.decode()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_refused_request_shows_the_400_page_without_a_request_context():
    response = _client().get("/test-errors/suspicious/")
    assert response.status_code == 400
    assert "Request not understood" in response.content.decode()
