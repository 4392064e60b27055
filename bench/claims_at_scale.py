"""The billers' queue and the 837P export at 10,000, 100,000 and 1,000,000 claims (PostgreSQL).

    DATABASE_URL=postgres://psych_owner@127.0.0.1:5432/psych_x DATABASE_TEST_NAME=bench_scale \\
        .venv/bin/python bench/claims_at_scale.py [--sizes 10000,100000,1000000] \\
        [--requests 40] [--export 10000] [--keepdb]

Creates a scratch database (the test database of DATABASE_URL, migrated; dropped at the end
unless --keepdb), makes one real signed claim through the app (the template), then grows
the claims table to each size in turn with ``INSERT ... SELECT ... generate_series`` copies
of the template (patients with varied names, one for every 20 claims; encounters; claims
spread over states, payers, clinicians, dates and scrub results; two lines each), never
through the ORM. At each size it times, in the same run, full requests through the whole
middleware stack: the queue's first page, a patient-name search (queued, and all states),
a one-letter name search (queued), a claim-number search, the htmx table fragment, and a
bare view behind the same middleware and role check that does no work; it prints each
one's p50/p95 and the ratio of its median to the bare view's, the queries each runs, and
the per-state counts alone (as the page gets them, without and with a search). Then it
exports ``--export`` claims (approved for the purpose) through the Celery task (eager) and
prints its time and its queries.
"""

from __future__ import annotations

import argparse
import datetime
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _timing import copy_sql, count_queries, percentile, timed  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import path  # noqa: E402

from accounts.decorators import role_required  # noqa: E402
from accounts.roles import Role  # noqa: E402
from config.urls import urlpatterns as app_urlpatterns  # noqa: E402

CLAIMS_PER_PATIENT = 20
CHUNK = 100_000  # rows per INSERT ... SELECT
SURNAMES = (  # noqa: SIM905 - a paragraph of names reads better than a list
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez "
    "Lopez Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson "
    "White Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott "
    "Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter "
    "Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart Morris "
    "Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly "
    "Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray "
    "Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Novak"
).split()
FIRST_NAMES = (  # noqa: SIM905
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy "
    "Anthony Betty Mark Sandra Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua "
    "Michelle Kenneth Carol Kevin Amanda Brian Melissa George Deborah Timothy Stephanie"
).split()
# Claims spread over states as a practice's table would be (no approved, corrected or void
# pending ones: the export's 10,000 are approved for it).
STATES = (
    ["queued"] * 25
    + ["on_hold"] * 3
    + ["returned"] * 2
    + ["submitted"] * 10
    + ["accepted"] * 5
    + ["paid"] * 45
    + ["partly_paid"] * 3
    + ["denied"] * 5
    + ["void"] * 2
)


@role_required(Role.BILLER)
def bare_view(request: HttpRequest) -> HttpResponse:
    """The same middleware and role check as the queue, and no work."""
    return HttpResponse("<div></div>")


urlpatterns = [*app_urlpatterns, path("bench/bare/", bare_view)]


def _sql_array(values: list[str] | list[int]) -> str:
    return "ARRAY[" + ",".join(repr(v) if isinstance(v, str) else str(v) for v in values) + "]"


class Seed:
    """The template claim (made by the app) and the rows copied from it."""

    def __init__(self) -> None:
        from claims.models import Claim
        from payers.models import Payer
        from tests.claims.helpers import signed_claim
        from tests.factories import ClinicianFactory, UserFactory

        UserFactory(username="bench.biller", role="Biller")
        clinicians = [ClinicianFactory(credential=c) for c in ("MD", "NP", "MD", "DO")]
        self.template: Claim = signed_claim(clinician=clinicians[0], payer_slug="medicare")
        signed_claim(clinician=clinicians[1], payer_slug="medicaid")
        self.clinicians = [c.pk for c in clinicians]
        self.payers = list(Payer.objects.order_by("pk").values_list("pk", flat=True))
        self.patients = 0

    def _exec(self, sql: str, params: list[Any] | None = None) -> None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    def grow_to(self, total: int) -> None:
        from claims.models import Claim

        started = time.perf_counter()
        have = Claim.objects.count()
        while have < total:
            n = min(CHUNK, total - have)
            self._add(n)
            have += n
        self._exec("VACUUM ANALYZE")  # as autovacuum would have by now
        print(f"  grew to {have:,} claims in {time.perf_counter() - started:.1f} s")

    def _add(self, n: int) -> None:
        t = self.template
        first_patient = self.patients
        new_patients = n // CLAIMS_PER_PATIENT
        surnames, firsts = _sql_array(SURNAMES), _sql_array(FIRST_NAMES)
        self._exec(
            copy_sql(
                "encounters_patient",
                {
                    "last_name": f"({surnames})[1 + (g::bigint * 7919) % {len(SURNAMES)}]"
                    f" || CASE WHEN g % 4 = 0 THEN '-' || "
                    f"({surnames})[1 + (g::bigint * 104729) % {len(SURNAMES)}] ELSE '' END",
                    "first_name": f"({firsts})[1 + (g::bigint * 31) % {len(FIRST_NAMES)}]",
                    "mrn": "'B' || lpad(g::text, 9, '0')",
                    "date_of_birth": "DATE '1940-01-01' + ((g::bigint * 37) % 25000)::int",
                },
                f"FROM encounters_patient t, generate_series({first_patient + 1}, "
                f"{first_patient + new_patients}) g WHERE t.id = {t.patient_id}",
            )
        )
        self.patients += new_patients
        with connection.cursor() as cursor:
            cursor.execute("SELECT max(id) FROM encounters_patient")
            max_patient = cursor.fetchone()[0]
            cursor.execute("SELECT coalesce(max(id), 0) FROM encounters_encounter")
            max_encounter = cursor.fetchone()[0]
            cursor.execute("SELECT max(id) FROM claims_claim")
            max_claim = cursor.fetchone()[0]
        low_patient = max_patient - new_patients + 1
        clinicians = _sql_array(self.clinicians)
        self._exec(
            copy_sql(
                "encounters_encounter",
                {
                    "patient_id": f"{low_patient} + (g::bigint * 7) % {new_patients}",
                    "clinician_id": f"({clinicians})[1 + g % {len(self.clinicians)}]",
                    "date_of_service": "CURRENT_DATE - (1 + (g::bigint * 13) % 730)::int",
                    "draft_key": "gen_random_uuid()",
                },
                f"FROM encounters_encounter t, generate_series(1, {n}) g "
                f"WHERE t.id = {t.encounter_id}",
            )
        )
        states = _sql_array(STATES)
        payers = _sql_array(self.payers)
        self._exec(
            copy_sql(
                "claims_claim",
                {
                    "encounter_id": "e.id",
                    "patient_id": "e.patient_id",
                    "clinician_id": "e.clinician_id",
                    "date_of_service": "e.date_of_service",
                    "number": "'C' || lpad(e.id::text, 8, '0')",
                    "state": f"({states})[1 + (e.id * 17) % {len(STATES)}]",
                    "payer_id": f"({payers})[1 + e.id % {len(self.payers)}]",
                    "scrub_status": "CASE WHEN e.id % 5 = 0 THEN 'flagged' ELSE 'clean' END",
                    "has_errors": "e.id % 10 = 0",
                    "findings": 'CASE WHEN e.id % 5 = 0 THEN \'[{"rule": "SC-ENGINE", '
                    '"level": "warning", "text": "x", "line": null}]\'::jsonb '
                    "ELSE '[]'::jsonb END",
                    "version": "1",
                    "batch_id": "NULL",
                    "claimed_by_id": "NULL",
                    "claimed_at": "NULL",
                },
                f"FROM claims_claim t, encounters_encounter e WHERE t.id = {t.pk} "
                f"AND e.id > {max_encounter}",
            )
        )
        self._exec(
            copy_sql(
                "claims_claimline",
                {"claim_id": "c.id"},
                f"FROM claims_claimline t, claims_claim c WHERE t.claim_id = {t.pk} "
                f"AND c.id > {max_claim}",
            )
        )


def _get(client: Client, url: str, params: dict[str, str], headers: dict[str, str]) -> Any:
    response = client.get(url, params, headers=headers)
    assert response.status_code == 200, (url, params, response.status_code)
    return response


def measure(size: int, rounds: int, export: int, rows: list[dict[str, Any]]) -> None:
    """Time the pages and counts at ``size`` claims; export ``export`` claims (0: none)."""
    from django.contrib.auth.models import User

    from claims import export as export_module
    from claims.models import Claim, ExportJob
    from claims.queue import QueueFilters, _counts
    from claims.tasks import claim_export_task

    biller = User.objects.get(username="bench.biller")
    client = Client()
    client.force_login(biller)
    url = "/billing/"
    queued = Claim.objects.filter(state="queued").order_by("-id")
    number = queued.values_list("number", flat=True)[0]
    pages: dict[str, tuple[str, dict[str, str], dict[str, str]]] = {
        "bare view": ("/bench/bare/", {}, {}),
        "queue first page (queued)": (url, {}, {}),
        "name search, queued": (url, {"q": "novak"}, {}),
        "name search, all states": (url, {"state": "", "q": "gar"}, {}),
        "name search, one letter": (url, {"q": "a"}, {}),
        "claim number search": (url, {"state": "", "q": number[:-1]}, {}),
        "htmx table fragment (paid)": (url, {"state": "paid"}, {"HX-Request": "true"}),
    }
    bare = 0.0
    for label, (target, params, headers) in pages.items():
        queries = count_queries(
            lambda t=target, p=params, h=headers: _get(client, t, p, h)  # type: ignore[misc]
        )
        timings = timed(
            lambda t=target, p=params, h=headers: _get(client, t, p, h),  # type: ignore[misc]
            rounds,
        )
        p50, p95 = statistics.median(timings), percentile(timings, 95)
        bare = bare or p50
        rows.append({"size": size, "what": label, "p50": p50, "p95": p95, "queries": queries})
        print(
            f"  {label:32s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  "
            f"{p50 / bare:5.1f}x bare  {queries} queries"
        )
    for label, filters in (
        ("counts per state", QueueFilters()),
        ("counts per state, name search", QueueFilters(q="novak")),
    ):
        timings = timed(lambda f=filters: _counts(f), rounds)  # type: ignore[misc]
        p50, p95 = statistics.median(timings), percentile(timings, 95)
        rows.append({"size": size, "what": label, "p50": p50, "p95": p95, "queries": 1})
        print(f"  {label:32s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  (selector alone)")

    if export:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE claims_claim SET state = 'approved' WHERE id IN (SELECT id FROM "
                "claims_claim WHERE state = 'queued' AND scrub_status = 'clean' "
                "ORDER BY id LIMIT %s)",
                [export],
            )
        job = ExportJob.objects.create(created_by=biller, total=export)
        marks: dict[str, float] = {}
        started = time.perf_counter()
        with patch.object(export_module, "x12_validate", _timed_validate(marks)):
            queries = count_queries(lambda: claim_export_task.delay(job.pk))
        seconds = time.perf_counter() - started
        job.refresh_from_db()
        assert job.status == "done", job.error
        batch = job.batch
        assert batch is not None
        validate = marks.get("validate", 0.0)
        print(
            f"  export of {batch.claim_count:,} claims (Celery task, eager): {seconds:.1f} s, "
            f"of which pyx12 validation {validate:.1f} s; {queries} queries; "
            f"{batch.content.count('ST*837*')} ST/SE sets"
        )
        rows.append(
            {"size": size, "what": "export", "p50": seconds * 1000, "p95": 0, "queries": queries}
        )
        rows.append(
            {
                "size": size,
                "what": "export without pyx12",
                "p50": (seconds - validate) * 1000,
                "p95": 0,
                "queries": queries,
            }
        )


def _timed_validate(marks: dict[str, float]) -> Callable[[str], list[str]]:
    from claims.x12.validate import x12_validate

    def validate_timed(text: str) -> list[str]:
        started = time.perf_counter()
        try:
            return x12_validate(text)
        finally:
            marks["validate"] = time.perf_counter() - started

    return validate_timed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--export", type=int, default=10_000)
    parser.add_argument(
        "--export-at",
        default="",
        help="sizes at which to export (default: the first; pyx12 takes minutes per 10,000)",
    )
    parser.add_argument("--keepdb", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--existing",
        action="store_true",
        help="measure the database a --keepdb run kept, as it is (no growth)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the counts and indexes are its).")
    setup_test_environment(debug=False)  # as the test runner: DEBUG would log every query
    old_name = connection.settings_dict["NAME"]
    if args.existing:
        from claims.models import Claim

        connection.close()
        connection.settings_dict["NAME"] = connection.creation._get_test_db_name()
        rows_: list[dict[str, Any]] = []
        with override_settings(ROOT_URLCONF=__name__):
            size = Claim.objects.count()
            print(f"{size:,} claims (kept database {connection.settings_dict['NAME']})")
            measure(size, args.requests, args.export, rows_)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        return
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    print(f"database {connection.settings_dict['NAME']}, {datetime.datetime.now():%Y-%m-%d %H:%M}")
    rows: list[dict[str, Any]] = []
    try:
        with override_settings(ROOT_URLCONF=__name__):
            seed = Seed()
            sizes = [int(s) for s in args.sizes.split(",")]
            export_at = {int(s) for s in args.export_at.split(",") if s} or {sizes[0]}
            for size in sizes:
                seed.grow_to(size)
                print(f"{size:,} claims")
                measure(size, args.requests, args.export if size in export_at else 0, rows)
        _growth(rows)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        if not args.keepdb:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def _growth(rows: list[dict[str, Any]]) -> None:
    sizes = sorted({r["size"] for r in rows})
    if len(sizes) < 2:
        return
    first, last = sizes[0], sizes[-1]
    print(f"growth from {first:,} to {last:,} claims (p50 ratio):")
    for what in dict.fromkeys(r["what"] for r in rows):
        a = next((r for r in rows if r["size"] == first and r["what"] == what), None)
        b = next((r for r in rows if r["size"] == last and r["what"] == what), None)
        if a is None or b is None:
            continue
        print(f"  {what:32s} {a['p50']:8.1f} -> {b['p50']:8.1f} ms  {b['p50'] / a['p50']:5.2f}x")


if __name__ == "__main__":
    main()
