"""Pages go out gzip-compressed; static files carry hashed names and are cached for a year.

Issue 14: the encounter form was sent as 55.7 kB of uncompressed HTML and static files were
cached for 60 s. docs/decisions/0004-compressed-html-and-hashed-static.md says why it is
safe to compress pages that carry a CSRF token (Django's BREACH mitigation).
"""

from __future__ import annotations

import gzip
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import engines
from django.test import RequestFactory
from django.urls import reverse

from config import settings as project_settings
from config.static_files import ONE_YEAR, StaticFilesMiddleware

TEMPLATES = Path(project_settings.BASE_DIR) / "templates"
HASHED = re.compile(r"^/static/css/app\.[0-9a-f]{12}\.css$")


# --- HTML ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_page_is_gzip_compressed_for_a_browser_that_accepts_it(client_for, prescriber):
    response = client_for(prescriber).get(
        reverse("encounters:encounter-list"), HTTP_ACCEPT_ENCODING="gzip, deflate, br"
    )
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content).decode()
    assert "<html" in html
    assert "csrfmiddlewaretoken" in html or "X-CSRFToken" in html  # a page with a token
    assert len(response.content) < len(html) / 2


@pytest.mark.django_db
def test_compressed_pages_are_length_randomised_against_breach(client_for, prescriber):
    # Django (4.2+) writes 1-100 random bytes into the gzip header's file name field, so the
    # compressed length of a page with a secret in it no longer leaks the secret.
    client = client_for(prescriber)
    url = reverse("encounters:encounter-list")
    responses = [client.get(url, HTTP_ACCEPT_ENCODING="gzip") for _ in range(6)]
    for response in responses:
        flags = response.content[3]
        assert flags & 0x08, "gzip FNAME field (random bytes) missing"
    assert len({len(r.content) for r in responses}) > 1


@pytest.mark.django_db
def test_a_page_is_sent_plain_to_a_client_that_does_not_accept_gzip(client_for, prescriber):
    response = client_for(prescriber).get(reverse("encounters:encounter-list"))
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"<html" in response.content


def test_gzip_runs_inside_whitenoise_and_outside_every_middleware_that_writes_the_body():
    middleware = project_settings.MIDDLEWARE
    gzip_at = middleware.index("django.middleware.gzip.GZipMiddleware")
    assert middleware.index("config.static_files.StaticFilesMiddleware") == gzip_at - 1
    # static files are served (precompressed) before GZip; pages pass through it last
    assert gzip_at < middleware.index("django.contrib.sessions.middleware.SessionMiddleware")


# --- static files -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def collected(tmp_path_factory):
    """`collectstatic` with the project's storage into a scratch STATIC_ROOT."""
    root = tmp_path_factory.mktemp("static")
    from django.test import override_settings

    with override_settings(STATIC_ROOT=root, STORAGES=project_settings.STORAGES):
        call_command("collectstatic", "--noinput", "--verbosity", "0")
    return root


@pytest.fixture
def project_storage(settings, collected):
    settings.STATIC_ROOT = collected
    settings.STORAGES = project_settings.STORAGES
    return collected


def test_collectstatic_writes_hashed_and_compressed_copies(collected):
    hashed = [
        p.name for p in (collected / "css").iterdir() if re.match(r"app\.\w{12}\.css", p.name)
    ]
    assert hashed
    assert (collected / "css" / f"{hashed[0]}.gz").is_file()
    assert (collected / "staticfiles.json").is_file()


def test_pages_name_static_files_by_their_hashed_names(project_storage):
    page = engines["django"].from_string("{% load static %}{% static 'css/app.css' %}")
    assert HASHED.match(page.render({}))


def test_a_hashed_static_file_is_cached_for_a_year_and_sent_compressed(project_storage):
    from django.templatetags.static import static

    url = static("css/app.css")
    served = StaticFilesMiddleware(lambda request: pytest.fail("not served as a static file"))
    response = served(RequestFactory().get(url, HTTP_ACCEPT_ENCODING="gzip"))
    assert response.status_code == 200
    assert response["Cache-Control"] == f"max-age={ONE_YEAR}, public, immutable"
    assert ONE_YEAR == 31_536_000
    assert response["Content-Encoding"] == "gzip"
    body = b"".join(response.streaming_content)
    assert b"{" in gzip.decompress(body)
    response.file_to_stream.close()  # not response.close(): that ends a request (DB)


def test_static_settings_are_the_hashed_storage(settings):
    assert project_settings.STORAGES["staticfiles"]["BACKEND"] == (
        "config.static_files.HashedStaticFilesStorage"
    )
    assert settings.STATIC_URL == "/static/"


def test_templates_name_static_files_only_through_the_static_tag():
    # A hand-written /static/ path would miss the hashed name and stay cached for a year.
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if re.search(r"""(src|href)=["']/?static/""", path.read_text("utf-8"))
    ]
    assert offenders == []
