"""Time the billers' claim queue (claims:claim-queue) over 100,000 claims on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_queue \\
        .venv/bin/python bench/claim_queue.py [--claims 100000] [--requests 50] [--keepdb]

Creates a scratch database (``test_<name>`` of DATABASE_URL, migrated, dropped at the end
unless --keepdb), bulk-inserts signed encounters and their claims (states, scrub results,
payers, clinicians and dates spread out), logs a biller in with the test client and times
full requests: the first page, a filtered page (payer + flagged + a date range, newest
first), a patient-name search and the htmx table fragment. Prints p50/p95 per page and
the number of queries each runs.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _timing import count_queries, percentile  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

BATCH = 5000
LAST_NAMES = ["Lee", "Garcia", "Smith", "Khan", "Novak", "Ortiz", "Brown", "Adams", "Young"]
STATES = (
    ["queued"] * 30
    + ["on_hold"] * 3
    + ["returned"] * 2
    + ["approved"] * 5
    + ["submitted"] * 20
    + ["paid"] * 35
    + ["denied"] * 3
    + ["corrected", "void"]
)


def _seed(total: int) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from claims.models import Claim
    from encounters.models import Coverage, Encounter, Patient
    from tests.factories import ClinicianFactory, UserFactory, payer

    rng = random.Random(100_000)
    started = time.perf_counter()
    UserFactory(username="bench.biller", role="Biller")
    clinicians = [ClinicianFactory(credential=rng.choice(["MD", "NP"])) for _ in range(12)]
    payers = [payer(slug) for slug in ("medicare", "medicaid", "commercial")]
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Bench{i}",
            last_name=rng.choice(LAST_NAMES) + ("" if i % 3 else f"{i % 97}"),
            date_of_birth=datetime.date(1950, 1, 1) + datetime.timedelta(rng.randint(0, 20000)),
            sex=rng.choice("FM"),
            mrn=f"QB{i:07d}",
            address_line1="1 Main St",
            city="Albany",
            state="NY",
            postal_code="12207",
        )
        for i in range(max(total // 20, 1))
    )
    coverages = Coverage.objects.bulk_create(
        Coverage(patient=p, payer=rng.choice(payers), member_id=f"Q{p.pk:09d}") for p in patients
    )
    signer = User.objects.get(pk=clinicians[0].user_id)
    now = timezone.now()
    today = datetime.date.today()
    made = 0
    while made < total:
        size = min(BATCH, total - made)
        rows = []
        for _ in range(size):
            coverage = rng.choice(coverages)
            clinician = rng.choice(clinicians)
            rows.append(
                Encounter(
                    patient_id=coverage.patient_id,
                    clinician=clinician,
                    coverage=coverage,
                    date_of_service=today - datetime.timedelta(rng.randint(1, 400)),
                    status="signed",
                    signed_at=now,
                    signed_by=signer,
                    pt_kind="individual",
                    pt_start=datetime.time(9, 0),
                    pt_end=datetime.time(9, 30),
                )
            )
        encounters = Encounter.objects.bulk_create(rows)
        claims = []
        for encounter in encounters:
            flagged = rng.random() < 0.2
            claims.append(
                Claim(
                    encounter=encounter,
                    number=f"C{encounter.pk:08d}",
                    patient_id=encounter.patient_id,
                    clinician=encounter.clinician,
                    payer_id=encounter.coverage.payer_id,
                    coverage=encounter.coverage,
                    date_of_service=encounter.date_of_service,
                    place_of_service="11",
                    member_id=encounter.coverage.member_id,
                    rendering_npi=encounter.clinician.npi,
                    billing_npi="1234567893",
                    diagnoses=["F41.0"],
                    state=rng.choice(STATES),
                    scrub_status="flagged" if flagged else "clean",
                    has_errors=flagged and rng.random() < 0.5,
                    findings=[{"rule": "SC-ENGINE", "level": "warning", "text": "x", "line": None}]
                    if flagged
                    else [],
                    total_charge=Decimal("300.00"),
                    total_expected=Decimal("225.00"),
                )
            )
        Claim.objects.bulk_create(claims)
        made += size
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now
    print(
        f"seeded {Claim.objects.count()} claims, {len(patients)} patients, "
        f"{len(clinicians)} clinicians in {time.perf_counter() - started:.1f} s"
    )


def run(requests: int) -> None:
    from django.contrib.auth.models import User

    from payers.models import Payer

    client = Client()
    client.force_login(User.objects.get(username="bench.biller"))
    url = reverse("claims:claim-queue")
    since = (datetime.date.today() - datetime.timedelta(days=120)).isoformat()
    pages: dict[str, tuple[dict[str, str], dict[str, str]]] = {
        "first page (queued, oldest first)": ({}, {}),
        "filtered (payer + flagged + 120 days, newest)": (
            {
                "state": "",
                "payer": str(Payer.objects.get(slug="medicare").pk),
                "scrub": "flagged",
                "date_from": since,
                "sort": "-dos",
            },
            {},
        ),
        "search patient name (all states)": ({"state": "", "q": "novak"}, {}),
        "page 40 of queued, by patient": ({"sort": "patient", "page": "40"}, {}),
        "htmx table fragment": ({"state": "approved"}, {"HX-Request": "true"}),
    }
    for label, (params, headers) in pages.items():
        for _ in range(5):  # warm-up
            assert client.get(url, params, headers=headers).status_code == 200
        queries = count_queries(lambda p=params, h=headers: client.get(url, p, headers=h))
        timings = []
        for _ in range(requests):
            started = time.perf_counter_ns()
            response = client.get(url, params, headers=headers)
            timings.append((time.perf_counter_ns() - started) / 1e6)
            assert response.status_code == 200
        ordered = sorted(timings)
        context = response.context  # None for the fragment (rendered outside the signal)
        total = context["queue"].page.paginator.count if context else "?"
        print(
            f"{label:48s} p50 {statistics.median(ordered):7.1f} ms  "
            f"p95 {percentile(ordered, 95):7.1f} ms  {queries} queries  {total} matching"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--keepdb", action="store_true", help="reuse the scratch DB (no reseed)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://...:5432/bench_queue")
    setup_test_environment(debug=False)  # as the test runner: DEBUG would log every query
    old_name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [f"test_{old_name}"])
        existing = args.keepdb and cursor.fetchone() is not None
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=args.keepdb
    )
    print(f"database {connection.settings_dict['NAME']} ({'reused' if existing else 'new'})")
    try:
        if not existing:
            _seed(args.claims)
        run(args.requests)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


if __name__ == "__main__":
    main()
