"""Time the ICD-10-CM search endpoint (encounters:icd-search) against a bare Django view.

    .venv/bin/python bench/icd_search.py [--rounds 3]

Creates a scratch database (the test database of DATABASE_URL, SQLite when unset), adds
a prescriber and the three default payers, and sends what the diagnosis field sends while
a clinician types: every prefix (two characters and up) of common psychiatric search
terms, codes and abbreviations, as htmx GETs through the whole middleware stack. The bare
view runs the same stack and role check and returns a few bytes, so the ratio of the two
is what the search itself costs. The first search builds the word index (a few seconds,
once per process); it is timed apart and not in the figures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _timing import count_queries, percentile  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import path  # noqa: E402

from accounts.decorators import role_required  # noqa: E402
from accounts.roles import Role  # noqa: E402
from config.urls import urlpatterns as app_urlpatterns  # noqa: E402

TERMS = [
    "depression",
    "major depressive recurrent",
    "generalized anxiety disorder",
    "panic disorder",
    "posttraumatic stress",
    "attention deficit",
    "bipolar ii",
    "schizoaffective",
    "alcohol dependence",
    "insomnia",
    "adjustment disorder",
    "borderline personality",
    "mdd",
    "ptsd",
    "adhd",
    "F41.1",
    "F33.1",
]


@role_required(Role.PRESCRIBER)
def bare_view(request: HttpRequest) -> HttpResponse:
    """The same middleware and role check as the search, and no work."""
    return HttpResponse("<ul></ul>")


urlpatterns = [*app_urlpatterns, path("bench/bare/", bare_view)]


def _typed_prefixes() -> list[str]:
    return [term[:n] for term in TERMS for n in range(2, len(term) + 1)]


def _time(client: Client, url: str, queries: list[str], rounds: int) -> list[float]:
    timings = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter_ns()
            response = client.get(url, {"diagnosis_1": q, "slot": "1"})
            timings.append((time.perf_counter_ns() - started) / 1e6)
            assert response.status_code == 200, (q, response.status_code)
    return sorted(timings)


def _line(name: str, timings: list[float]) -> str:
    return (
        f"{name:<12} p50 {statistics.median(timings):6.2f} ms   "
        f"p95 {percentile(timings, 95):6.2f} ms   max {timings[-1]:6.2f} ms"
    )


def run(rounds: int) -> None:
    from tests.factories import ClinicianFactory, payer

    for slug in ("medicare", "medicaid", "commercial"):
        payer(slug)
    user = ClinicianFactory(credential="MD").user
    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(user)
    search_url = "/encounters/icd/"

    started = time.perf_counter()
    client.get(search_url, {"q": "panic"})
    print(f"first search (builds the index): {time.perf_counter() - started:.2f} s")

    queries = _typed_prefixes()
    client.get("/bench/bare/")  # warm the bare view's path too
    search_queries = count_queries(lambda: client.get(search_url, {"q": "depress"}))
    bare_queries = count_queries(lambda: client.get("/bench/bare/"))
    bare = _time(client, "/bench/bare/", queries, rounds)
    search = _time(client, search_url, queries, rounds)
    print(f"{len(queries)} typed prefixes x {rounds} rounds, database {connection.vendor}")
    print(_line("bare view", bare) + f"   {bare_queries} queries")
    print(_line("icd search", search) + f"   {search_queries} queries")
    ratio = statistics.median(search) / statistics.median(bare)
    print(f"ratio of the medians: {ratio:.1f}x the bare view")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    setup_test_environment(debug=False)
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with override_settings(ROOT_URLCONF=__name__):
            run(args.rounds)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
