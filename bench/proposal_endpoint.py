"""Time the live proposal panel endpoint (coding:proposal-panel) on PostgreSQL; print p50/p95/max.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_panel \\
        .venv/bin/python bench/proposal_endpoint.py [--requests 500] [--warmup 50]
        [--extra-patients 300] [--keepdb] [--profile] [--reconnect] [--multipart]

Creates a scratch database (``test_<name>`` of DATABASE_URL, or DATABASE_TEST_NAME; migrated,
dropped at the end unless --keepdb), loads the demo practice (``seed_demo`` when the command
exists) plus ``--extra-patients`` care-team patients with coverage and a visit each, logs a
prescriber in with the test client and posts realistic, varied encounter forms (some half-
typed, some with another clinician's coverage) as htmx does: URL-encoded, as the panel's ``hx-
post`` sends the encounter form (``--multipart`` posts them as the test client's default
multipart instead, a millisecond of parsing no browser causes). Each request is a full Django
request: session, auth, axes, CSP, the selector queries, the engine and the template. Goal: p95
under 30 ms, and a median at most 1.5x that of a bare view (issue 14): the same middleware and
role check, posted the same forms in the same run, and no work (so the ratio is what the panel
costs).
--profile runs the timed requests under cProfile and prints where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _timing import count_queries, percentile  # noqa: E402
from django.core.management import call_command, get_commands  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import path, reverse  # noqa: E402
from django.views.decorators.http import require_POST  # noqa: E402

from accounts.decorators import role_required  # noqa: E402
from accounts.roles import Role  # noqa: E402
from coding.engine import PROBLEM_ITEMS, RISK_ITEMS  # noqa: E402
from config.urls import urlpatterns as app_urlpatterns  # noqa: E402

PRESCRIBER_USERNAME = "dr.rivera"  # the seed_demo MD
GOAL_P95_MS = 30.0
GOAL_RATIO = 1.5
BARE_URL = "/bench/bare/"


@require_POST
@role_required(Role.PRESCRIBER)
def bare_view(request: HttpRequest) -> HttpResponse:
    """The same middleware and role check as the panel, and no work."""
    return HttpResponse('<div id="proposal-panel"></div>')


urlpatterns = [*app_urlpatterns, path(BARE_URL.strip("/") + "/", bare_view)]


def _seed(extra_patients: int) -> None:
    """The demo practice, then extra care-team patients so the selector sees real volume."""
    if "seed_demo" in get_commands():
        started = time.perf_counter()
        call_command("seed_demo", stdout=io.StringIO())
        print(f"seed_demo loaded in {time.perf_counter() - started:.1f} s")
    else:
        print("seed_demo not found: factories only")
    _extra_patients(extra_patients)


def _extra_patients(count: int) -> None:
    from accounts.models import Clinician
    from encounters.models import Coverage, Encounter, Patient
    from tests.factories import ClinicianFactory, UserFactory, payer

    if not Clinician.objects.filter(user__username=PRESCRIBER_USERNAME).exists():
        ClinicianFactory(user=UserFactory(username=PRESCRIBER_USERNAME, role="Prescriber"))
    clinicians = list(Clinician.objects.all())
    payers = [payer(slug) for slug in ("medicare", "medicaid", "commercial")]
    rng = random.Random(6)
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Bench{i}",
            last_name=rng.choice(["Lee", "Garcia", "Smith", "Khan", "Novak", "Ortiz"]),
            date_of_birth=datetime.date(1950, 1, 1)
            + datetime.timedelta(days=rng.randint(0, 20000)),
            sex=rng.choice("FM"),
            mrn=f"BENCH{i:06d}",
            address_line1="1 Main St",
            city="Albany",
            state="NY",
            postal_code="12207",
        )
        for i in range(count)
    )
    through = Patient.clinicians.through
    through.objects.bulk_create(
        through(patient_id=p.pk, clinician_id=rng.choice(clinicians).pk) for p in patients
    )
    coverages = Coverage.objects.bulk_create(
        Coverage(patient=p, payer=rng.choice(payers), member_id=f"B{p.pk:09d}", priority=1)
        for p in patients
    )
    today = datetime.date.today()
    Encounter.objects.bulk_create(
        Encounter(
            patient=c.patient,
            clinician=rng.choice(clinicians),
            coverage=c,
            date_of_service=today - datetime.timedelta(days=rng.randint(1, 90)),
            pt_kind="individual",
            pt_start=datetime.time(9, 0),
            pt_end=datetime.time(9, 30),
        )
        for c in coverages
    )
    print(
        f"data: {Patient.objects.count()} patients, {Coverage.objects.count()} coverages, "
        f"{Encounter.objects.count()} encounters, {len(clinicians)} clinicians"
    )


def _coverage_ids(user: Any) -> tuple[list[int], list[int]]:
    """Coverage ids of the prescriber's own patients, and of patients that are not theirs."""
    from encounters.models import Coverage
    from encounters.selectors import patient_list_for_user

    own_patients = patient_list_for_user(user=user)
    own = list(Coverage.objects.filter(patient__in=own_patients).values_list("pk", flat=True))
    other = list(Coverage.objects.exclude(patient__in=own_patients).values_list("pk", flat=True))
    return own, other


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def random_form(rng: random.Random, own: list[int], other: list[int]) -> dict[str, Any]:
    """One encounter form as posted mid-typing: mostly complete, sometimes half-typed."""
    start = rng.randint(8 * 60, 16 * 60)
    form: dict[str, Any] = {
        "date_of_service": (
            datetime.date.today() - datetime.timedelta(rng.randint(0, 3))
        ).isoformat(),
        "setting": rng.choice(["in_person", "in_person", "video", "audio"]),
        "patient_status": rng.choice(["established"] * 5 + ["new"]),
        "medications-TOTAL_FORMS": "0",
        "medications-INITIAL_FORMS": "0",
    }
    coverage_pick = rng.random()
    if coverage_pick < 0.8 and own:
        form["coverage"] = str(rng.choice(own))
    elif coverage_pick < 0.85 and other:
        form["coverage"] = str(rng.choice(other))  # not theirs: ignored
    if form["setting"] != "in_person" and rng.random() < 0.7:
        form["patient_at_home"] = "on"
    kind = rng.choices(
        ["individual", "crisis", "family_with_patient", "group", ""], weights=[55, 3, 5, 3, 34]
    )[0]
    if kind:
        form.update(pt_kind=kind, pt_start=_hhmm(start), pt_end=_hhmm(start + rng.randint(10, 70)))
        start += 60
    if rng.random() < 0.7:
        form.update(em_start=_hhmm(start), em_end=_hhmm(start + rng.randint(5, 50)))
        form["mdm_problems"] = rng.sample(list(PROBLEM_ITEMS), rng.randint(0, 2))
        form["mdm_risk"] = rng.sample(list(RISK_ITEMS), rng.randint(0, 2))
        form["mdm_notes_reviewed"] = str(rng.randint(0, 3))
        form["mdm_results_reviewed"] = str(rng.randint(0, 2))
        form["mdm_tests_ordered"] = str(rng.randint(0, 2))
        for flag in ("independent_historian", "independent_interpretation", "external_discussion"):
            if rng.random() < 0.15:
                form[f"mdm_{flag}"] = "on"
        rows = rng.randint(0, 3)
        form["medications-TOTAL_FORMS"] = str(rows)
        for i in range(rows):
            form[f"medications-{i}-name"] = rng.choice(["sertraline", "lithium", "bupropion XL"])
            form[f"medications-{i}-dose"] = "100 mg"
            if rng.random() < 0.1:
                form[f"medications-{i}-DELETE"] = "on"
    if rng.random() < 0.08:
        form["interactive_complexity"] = "on"
    if rng.random() < 0.05:
        form["diagnostic_evaluation"] = rng.choice(["without_medical", "with_medical"])
    if rng.random() < 0.15:  # half-typed: a time being entered, a count being edited
        field = rng.choice(["pt_start", "pt_end", "em_start", "em_end", "mdm_notes_reviewed"])
        form[field] = rng.choice(["9:", "1", "", "-", "09:6"])
    if rng.random() < 0.1:
        form["coding_option"] = rng.choice(["alternative-0", "custom"])
    return form


def _poster(client: Client, multipart: bool) -> Any:
    """POST a form as the page's htmx does (URL-encoded), or as multipart."""
    if multipart:
        return client.post
    encoded = "application/x-www-form-urlencoded"
    return lambda url, form: client.post(url, urlencode(form, doseq=True), content_type=encoded)


def run(
    requests: int, warmup: int, profile: bool, reconnect: bool = False, multipart: bool = False
) -> float:
    """Warm up, then time ``requests`` posts; print the figures and return p95 in ms."""
    from django.contrib.auth.models import User

    user = User.objects.get(username=PRESCRIBER_USERNAME)
    client = Client(HTTP_HX_REQUEST="true")
    client.force_login(user)
    post = _poster(client, multipart)
    url = reverse("coding:proposal-panel")
    rng = random.Random(2026)
    own, other = _coverage_ids(user)
    forms = [random_form(rng, own, other) for _ in range(requests + warmup)]
    for form in forms[:warmup]:
        assert post(url, form).status_code == 200
        assert post(BARE_URL, form).status_code == 200
    with_coverage = {**forms[0], "coverage": str(own[0])} if own else forms[0]
    queries = count_queries(lambda: post(url, with_coverage))
    timings: list[float] = []
    cpu: list[float] = []  # this process's CPU: the part other load on the machine cannot inflate
    profiler = cProfile.Profile() if profile else None
    statuses: dict[int, int] = {}
    bare: list[float] = []
    for form in forms[warmup:]:
        if profiler:
            profiler.enable()
        started, cpu_started = time.perf_counter_ns(), time.process_time_ns()
        if reconnect:
            connection.close()
        response = post(url, form)
        elapsed = time.perf_counter_ns() - started
        cpu.append((time.process_time_ns() - cpu_started) / 1e6)
        if profiler:
            profiler.disable()
        timings.append(elapsed / 1e6)
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        started = time.perf_counter_ns()  # the same post to the bare view, right after
        if reconnect:
            connection.close()
        assert post(BARE_URL, form).status_code == 200
        bare.append((time.perf_counter_ns() - started) / 1e6)
    bare_queries = count_queries(lambda: post(BARE_URL, with_coverage))
    ordered = sorted(timings)
    p50, p95 = statistics.median(ordered), percentile(ordered, 95)
    bare_p50 = statistics.median(bare)
    print(
        f"{requests} POSTs after {warmup} warm-up, {queries} queries per request with a coverage, "
        f"statuses {statuses}, {len(own)} own / {len(other)} other coverages"
        + (", a new connection per request" if reconnect else "")
        + (", multipart" if multipart else ", URL-encoded")
    )
    print(
        f"p50 {p50:.2f} ms   p95 {p95:.2f} ms   max {ordered[-1]:.2f} ms   "
        f"mean {statistics.fmean(ordered):.2f} ms   (goal p95 < {GOAL_P95_MS:.0f} ms)"
    )
    print(
        f"bare view: p50 {bare_p50:.2f} ms, p95 {percentile(sorted(bare), 95):.2f} ms, "
        f"{bare_queries} queries; the panel's median is {p50 / bare_p50:.2f}x the bare view's "
        f"(goal <= {GOAL_RATIO}x)"
    )
    print(
        f"Django process CPU per request: p50 {statistics.median(cpu):.2f} ms, "
        f"mean {statistics.fmean(cpu):.2f} ms (the rest is waiting on PostgreSQL or the CPU); "
        f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
    )
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats("cumulative")
        stats.print_stats(30)
        out.write("\n--- the panel's own steps ---\n")
        stats.print_stats(
            r"connect|proposal_panel|payer_for_panel|credential_for_user|facts_from_posted|"
            r"proposal_for_facts|propose|render\b|to_display_dict|_parse|save|_get_session|"
            r"get_user|process_request|process_response"
        )
        out.write("\n--- by own time ---\n")
        stats.sort_stats("tottime").print_stats(20)
        print(out.getvalue())
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--extra-patients", type=int, default=300)
    parser.add_argument("--keepdb", action="store_true", help="reuse the scratch DB (no reseed)")
    parser.add_argument("--profile", action="store_true", help="cProfile the timed requests")
    parser.add_argument(
        "--reconnect",
        action="store_true",
        help="open a new DB connection for each request, as CONN_MAX_AGE=0 does in production "
        "(the test client keeps one connection)",
    )
    parser.add_argument(
        "--multipart",
        action="store_true",
        help="post multipart/form-data (the test client's default) instead of URL-encoded forms",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://...:5432/bench_panel")

    setup_test_environment(debug=False)  # as the test runner: DEBUG would log every query
    old_name = connection.settings_dict["NAME"]
    existing = args.keepdb and _scratch_exists(connection.creation._get_test_db_name())
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=args.keepdb
    )
    print(f"database {connection.settings_dict['NAME']} ({'reused' if existing else 'new'})")
    try:
        if not existing:
            _seed(args.extra_patients)
        with override_settings(ROOT_URLCONF=__name__):
            run(args.requests, args.warmup, args.profile, args.reconnect, args.multipart)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


def _scratch_exists(name: str) -> bool:
    """Whether the scratch database (``test_<name>``, or DATABASE_TEST_NAME's) exists."""
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


if __name__ == "__main__":
    main()
