"""Time the billing dashboard (claims:billing-dashboard) over 100,000 claims on PostgreSQL,
beside a bare Django view behind the same middleware and role check, in one run.

    DATABASE_URL=postgres://psych_owner@127.0.0.1:5432/psych_bench \\
        .venv/bin/python bench/billing_dashboard.py [--claims 100000] [--requests 30] [--keepdb]

Creates a scratch database (``test_<name>`` of DATABASE_URL, migrated, dropped at the end
unless --keepdb). Encounters and claims go in with ``bulk_create`` in batches of 5,000
(states, payers, clinicians, dates of service over 400 days, payments and denial CARCs
spread out, a fifth of the claims with scrubber findings); their lines, signed proposals
(engine rule ids), 835 payments and contractual adjustments are each one
``INSERT ... SELECT`` over the claims. A biller is logged in with the test client and each
page is requested through the whole middleware stack: the dashboard unfiltered, filtered by
payer and month, a CSV table, and the bare view. Prints p50/p95 per page, the ratio of the
medians to the bare view and the queries each runs.
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

from _timing import count_queries, timed, timing_line  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import path, reverse  # noqa: E402

from accounts.decorators import role_required  # noqa: E402
from accounts.roles import Role  # noqa: E402
from config.urls import urlpatterns as app_urlpatterns  # noqa: E402

BATCH = 5000
# (state, weight, submissions, paid, CARCs to draw from)
STATES = [
    ("queued", 10, 0, None, ()),
    ("approved", 3, 0, None, ()),
    ("submitted", 12, 1, None, ()),
    ("accepted", 8, 1, None, ()),
    ("paid", 45, 1, "225.00", ()),
    ("partly_paid", 6, 1, "150.00", ("97", "16", "45")),
    ("denied", 10, 1, "0.00", ("50", "16", "97", "197", "27", "29")),
    ("corrected", 3, 1, "0.00", ("16", "4")),
    ("void", 3, 1, None, ()),
]
FINDINGS = ["SC-ENGINE", "SC-FEE", "SC-TIMELY", "CB-4", "DG-2"]


@role_required(Role.BILLER)
def bare_view(request: HttpRequest) -> HttpResponse:
    """The same middleware and role check as the dashboard, and no work."""
    return HttpResponse("ok")


urlpatterns = [*app_urlpatterns, path("bench/bare/", bare_view)]


def _claim_fields(rng: random.Random) -> dict[str, object]:
    state, _, submissions, paid, carcs = rng.choices(STATES, [s[1] for s in STATES])[0]
    if submissions and rng.random() < 0.1:
        submissions += 1  # rejected once and sent again
    flagged = rng.random() < 0.2
    return {
        "state": state,
        "submission_count": submissions,
        "paid_amount": None if paid is None else Decimal(paid),
        "denial_code": rng.choice(carcs) if carcs else "",
        "scrub_status": "flagged" if flagged else "clean",
        "findings": [
            {"rule": rule, "level": "warning", "text": "x", "line": None}
            for rule in rng.sample(FINDINGS, rng.randint(1, 2))
        ]
        if flagged
        else [],
    }


def _seed(total: int) -> None:
    from django.contrib.auth.models import User
    from django.utils import timezone

    from claims.models import Claim, PayerFile
    from encounters.models import Coverage, Encounter, Patient
    from tests.factories import ClinicianFactory, UserFactory, payer

    rng = random.Random(100_000)
    started = time.perf_counter()
    biller = UserFactory(username="bench.biller", role="Biller")
    clinicians = [ClinicianFactory(credential=rng.choice(["MD", "NP"])) for _ in range(12)]
    payers = [payer(slug) for slug in ("medicare", "medicaid", "commercial")]
    patients = Patient.objects.bulk_create(
        Patient(
            first_name=f"Bench{i}",
            last_name=f"Dash{i % 97}",
            date_of_birth=datetime.date(1950, 1, 1) + datetime.timedelta(rng.randint(0, 20000)),
            sex=rng.choice("FM"),
            mrn=f"DB{i:07d}",
            address_line1="1 Main St",
            city="Albany",
            state="NY",
            postal_code="12207",
        )
        for i in range(max(total // 20, 1))
    )
    coverages = Coverage.objects.bulk_create(
        Coverage(patient=p, payer=rng.choice(payers), member_id=f"D{p.pk:09d}") for p in patients
    )
    signer = User.objects.get(pk=clinicians[0].user_id)
    now = timezone.now()
    today = datetime.date.today()
    made = 0
    while made < total:
        size = min(BATCH, total - made)
        encounters = Encounter.objects.bulk_create(
            Encounter(
                patient_id=coverage.patient_id,
                clinician=rng.choice(clinicians),
                coverage=coverage,
                date_of_service=today - datetime.timedelta(rng.randint(1, 400)),
                status="signed",
                signed_at=now,
                signed_by=signer,
                pt_kind="individual",
                pt_start=datetime.time(9, 0),
                pt_end=datetime.time(9, 30),
            )
            for coverage in (rng.choice(coverages) for _ in range(size))
        )
        Claim.objects.bulk_create(
            Claim(
                encounter=encounter,
                number=f"D{encounter.pk:08d}",
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
                total_charge=Decimal("300.00"),
                total_expected=Decimal("225.00"),
                **_claim_fields(rng),  # type: ignore[arg-type]
            )
            for encounter in encounters
        )
        made += size
    payer_file = PayerFile.objects.create(
        kind="835", name="bench.835", sha256="0" * 64, content="ISA~", imported_by=biller
    )
    with connection.cursor() as cursor:
        # Lines: every claim bills 99214 (180.00); two in three add 90833 (120.00).
        cursor.execute(
            "INSERT INTO claims_claimline (claim_id, position, code, units, modifiers, pointers,"
            " charge, expected, ndc, ndc_quantity, ndc_unit)"
            " SELECT id, 1, '99214', 1, '[]', '[1]', 180, 135, '', NULL, '' FROM claims_claim"
        )
        cursor.execute(
            "INSERT INTO claims_claimline (claim_id, position, code, units, modifiers, pointers,"
            " charge, expected, ndc, ndc_quantity, ndc_unit)"
            " SELECT id, 2, '90833', 1, '[]', '[1]', 120, 90, '', NULL, '' FROM claims_claim"
            " WHERE id % 3 <> 0"
        )
        cursor.execute(
            "INSERT INTO coding_signedproposal (encounter_id, engine_version, facts, proposal,"
            " chosen_option, chosen_lines, rule_ids, override_reason, created_at)"
            " SELECT encounter_id, 'bench', '{}', '{}', 'recommended', '[]',"
            ' CASE WHEN id % 2 = 0 THEN \'["EM-2", "PT-1"]\' ELSE \'["EM-1", "CB-4"]\' END'
            "::jsonb, '', now() FROM claims_claim"
        )
        cursor.execute(
            "INSERT INTO claims_claimpayment (payer_file_id, claim_id, payer_key, trace_number,"
            " reversal, status_code, charge, paid, patient_responsibility, payer_claim_number,"
            " paid_on, forwarded_to, outcome, reversed_by_id, posted_at)"
            " SELECT %s, id, '1999999999', 'EFT' || id, false, '1', total_charge, paid_amount,"
            " 0, '', date_of_service + 30, '', state, NULL, now() FROM claims_claim"
            " WHERE paid_amount IS NOT NULL",
            [payer_file.pk],
        )
        cursor.execute(
            'INSERT INTO claims_paymentadjustment (payment_id, line_id, "group", carc, amount,'
            " quantity) SELECT id, NULL, 'CO', '45', 75, NULL FROM claims_claimpayment"
            " WHERE paid > 0"
        )
        cursor.execute("VACUUM ANALYZE")  # as autovacuum would have by now
    print(
        f"seeded {Claim.objects.count()} claims with lines, payments and adjustments in "
        f"{time.perf_counter() - started:.1f} s"
    )


def _get_ok(client: Client, url: str, params: dict[str, str]) -> None:
    assert client.get(url, params).status_code == 200


def run(requests: int) -> None:
    from django.contrib.auth.models import User

    from payers.models import Payer

    client = Client()
    client.force_login(User.objects.get(username="bench.biller"))
    url = reverse("claims:billing-dashboard")
    month = (datetime.date.today().replace(day=1) - datetime.timedelta(days=40)).strftime("%Y-%m")
    medicare = str(Payer.objects.get(slug="medicare").pk)
    pages: dict[str, tuple[str, dict[str, str]]] = {
        "bare view (same middleware, role check)": ("/bench/bare/", {}),
        "dashboard, all claims": (url, {}),
        "dashboard, payer + month": (url, {"payer": medicare, "month": month}),
        "dashboard CSV (denial causes)": (url, {"format": "csv", "table": "causes"}),
    }
    bare = 0.0
    for label, (address, params) in pages.items():
        queries = count_queries(lambda a=address, p=params: client.get(a, p))
        timings = timed(lambda a=address, p=params: _get_ok(client, a, p), requests)
        bare = bare or statistics.median(timings)
        print(timing_line(label, timings, bare, queries, width=42))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--keepdb", action="store_true", help="reuse the scratch DB (no reseed)")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database, e.g. postgres://...:5432/bench_dash")
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
        with override_settings(ROOT_URLCONF=__name__):
            run(args.requests)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


if __name__ == "__main__":
    main()
