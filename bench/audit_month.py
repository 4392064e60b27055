"""Time the audit month report (audits:sample-detail) at 77,000 signed visits in one month
(PostgreSQL), its findings CSV and the draw itself, beside a bare Django view, in one run.

    DATABASE_URL=postgres://psych_owner@127.0.0.1:5432/psych_x DATABASE_TEST_NAME=bench_audit \\
        .venv/bin/python bench/audit_month.py [--visits 77000] [--prescribers 40] \\
        [--requests 20] [--draws 5] [--keepdb]

Creates a scratch database (the test database of DATABASE_URL, migrated; dropped at the end
unless --keepdb). The app signs one visit (``visit_sign``: its signed proposal, its claim and
two claim lines), then that visit is copied with ``INSERT ... SELECT ... generate_series``
into ``--visits`` signed visits of last month over ``--prescribers`` prescribers (a patient
for every 20 visits; each visit with its signed proposal, its claim and the claim's lines),
never through the ORM. The month is drawn through the app's own service
(``audits.services.audit_month_draw``: the population query, the per-prescriber strata,
the stored redraw check), timed first ``--draws`` times in a transaction rolled back, then
drawn for good; every drawn chart is reviewed through ``chart_review_save`` (one in five
over-coded). Then it times full requests through the whole middleware stack, as a
compliance user: the month page, the findings CSV and a bare view behind the same
middleware and role check that does no work (3 warm-up rounds, then ``--requests`` rounds,
each asking the three in a new random order, so the machine's changing load weighs on all
three alike), and prints p50/p95, the ratio of each median to the bare view's and the
queries each runs. It checks that the page carries none of the population's ids beyond
the drawn charts'.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _timing import copy_sql, count_queries, percentile, timed, timing_line  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402
from django.urls import path, reverse  # noqa: E402

from accounts.decorators import role_required  # noqa: E402
from accounts.roles import Role  # noqa: E402
from config.urls import urlpatterns as app_urlpatterns  # noqa: E402

VISITS_PER_PATIENT = 20


@role_required(Role.COMPLIANCE)
def bare_view(request: HttpRequest) -> HttpResponse:
    """The same middleware and role check as the month page, and no work."""
    return HttpResponse("<div></div>")


urlpatterns = [*app_urlpatterns, path("bench/bare/", bare_view)]


def _exec(sql: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _scalar(sql: str) -> Any:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _copy(table: str, overrides: dict[str, str], source: str) -> None:
    """Copy the template row ``t`` into ``table`` (``copy_sql``), run at once."""
    _exec(copy_sql(table, overrides, source))


def last_month() -> datetime.date:
    from audits.sampling import previous_month

    return previous_month(datetime.date.today())


def seed(visits: int, prescribers: int) -> None:
    """One visit signed by the app, copied into ``visits`` signed visits of last month."""
    from tests.claims.helpers import signed_claim
    from tests.factories import ClinicianFactory, UserFactory

    started = time.perf_counter()
    UserFactory(username="bench.compliance", role="Compliance")
    clinicians = [ClinicianFactory(credential=("MD", "NP")[i % 2]) for i in range(prescribers)]
    month = last_month()
    days = (datetime.date.today().replace(day=1) - month).days
    template = signed_claim(
        clinician=clinicians[0], days_ago=(datetime.date.today() - month.replace(day=10)).days
    )
    encounter_id, patient_id = template.encounter_id, template.patient_id
    new_patients = max(visits // VISITS_PER_PATIENT, 1)
    _copy(
        "encounters_patient",
        {
            "last_name": "'Audit' || g",
            "mrn": "'A' || lpad(g::text, 9, '0')",
            "date_of_birth": "DATE '1940-01-01' + ((g::bigint * 37) % 25000)::int",
        },
        f"FROM encounters_patient t, generate_series(1, {new_patients}) g "
        f"WHERE t.id = {patient_id}",
    )
    low_patient = _scalar("SELECT max(id) FROM encounters_patient") - new_patients + 1
    max_encounter = _scalar("SELECT max(id) FROM encounters_encounter")
    max_claim = _scalar("SELECT max(id) FROM claims_claim")
    ids = "ARRAY[" + ",".join(str(c.pk) for c in clinicians) + "]"
    _copy(
        "encounters_encounter",
        {
            "patient_id": f"{low_patient} + (g::bigint * 7) % {new_patients}",
            "clinician_id": f"({ids})[1 + g % {prescribers}]",
            "date_of_service": f"DATE '{month}' + (g % {days})",
            "draft_key": "gen_random_uuid()",
        },
        f"FROM encounters_encounter t, generate_series(2, {visits}) g WHERE t.id = {encounter_id}",
    )
    _copy(
        "coding_signedproposal",
        {"encounter_id": "e.id"},
        f"FROM coding_signedproposal t, encounters_encounter e "
        f"WHERE t.encounter_id = {encounter_id} AND e.id > {max_encounter}",
    )
    _copy(
        "claims_claim",
        {
            "encounter_id": "e.id",
            "patient_id": "e.patient_id",
            "clinician_id": "e.clinician_id",
            "date_of_service": "e.date_of_service",
            "number": "'A' || lpad(e.id::text, 8, '0')",
        },
        f"FROM claims_claim t, encounters_encounter e WHERE t.id = {template.pk} "
        f"AND e.id > {max_encounter}",
    )
    _copy(
        "claims_claimline",
        {"claim_id": "c.id"},
        f"FROM claims_claimline t, claims_claim c WHERE t.claim_id = {template.pk} "
        f"AND c.id > {max_claim}",
    )
    _exec("VACUUM ANALYZE")  # as autovacuum would have by now
    signed = _scalar(
        f"SELECT count(*) FROM encounters_encounter WHERE status = 'signed' "
        f"AND date_of_service >= DATE '{month}' AND date_of_service < DATE '{month}' + {days}"
    )
    print(
        f"seeded {signed:,} signed visits in {month:%Y-%m} over {prescribers} prescribers "
        f"(each with its signed proposal, claim and 2 lines) in "
        f"{time.perf_counter() - started:.1f} s"
    )


def draw(rounds: int) -> None:
    """Time the draw (rolled back), then draw the month for good and review every chart."""
    from django.contrib.auth.models import User

    from audits import services
    from audits.models import AuditSample, Outcome
    from audits.selectors import audit_item_get_for_auditor

    user = User.objects.get(username="bench.compliance")
    month = last_month()

    def rolled_back() -> None:
        with transaction.atomic():
            services.audit_month_draw(month=month, user=user)
            transaction.set_rollback(True)

    if rounds:
        queries = count_queries(rolled_back)
        timings = timed(rolled_back, rounds, warm=1)
        print(
            f"draw (audit_month_draw, rolled back) p50 {statistics.median(timings):8.1f} ms  "
            f"p95 {percentile(timings, 95):8.1f} ms  {queries} queries  ({rounds} draws)"
        )
    sample = services.audit_month_draw(month=month, user=user)
    assert sample.verified, "the stored redraw check failed"
    items = list(sample.items.order_by("position"))
    for item in items:
        checked = audit_item_get_for_auditor(
            user=user, sample=sample, encounter_id=item.encounter_id
        )
        over = item.position % 5 == 0
        data = {
            "check_time_blocks": "met",
            "check_psychotherapy_minutes": "met",
            "check_em_level": "not_met" if over else "met",
            "check_medication_review": "met",
            "check_psychotherapy_documentation": "met",
            "check_diagnoses": "met",
            "check_signed_in_time": "met",
            "outcome": Outcome.OVER_CODED if over else Outcome.SUPPORTED,
            "reviewer_code": "99213" if over else "",
            "comment": "Two of three elements for moderate MDM." if over else "",
        }
        services.chart_review_save(user=user, item=checked, data=data)
    print(
        f"drew {len(items)} charts of {sample.population_size:,} signed visits "
        f"({AuditSample.objects.count()} samples with follow-ups); reviewed them all"
    )


def _get(client: Client, url: str) -> Any:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


def pages(requests: int) -> None:
    from django.contrib.auth.models import User

    from audits.models import AuditSample, SampleKind

    client = Client()
    client.force_login(User.objects.get(username="bench.compliance"))
    month = last_month()
    sample = AuditSample.objects.get(month=month, kind=SampleKind.MONTHLY)
    page = _get(client, reverse("audits:sample-detail", kwargs={"month": month})).content
    drawn = set(sample.items.values_list("encounter_id", flat=True))
    # ids of five digits and more, standing alone: small numbers (days, counts, percentages)
    # are on any page, and a static file's hash may hold a run of digits
    population = {i for i in sample.population_ids if i >= 10_000} - drawn
    on_page = {int(n) for n in re.findall(rb"(?<![\w.])\d{5,7}(?![\w.])", page)}
    numbers = sorted(on_page & population)
    print(
        f"month page {len(page):,} bytes; {len(drawn & on_page)} of {len(drawn)} drawn ids on it; "
        f"{len(numbers)} of the other {len(population):,} population ids (five digits and up) "
        f"appear on it{f' (first: {numbers[:8]})' if numbers else ''}"
    )
    assert len(numbers) < 10, "the page carries the population's ids"
    bare_label = "bare view (same middleware, role check)"
    targets = {
        bare_label: "/bench/bare/",
        "month page (audits:sample-detail)": reverse(
            "audits:sample-detail", kwargs={"month": month}
        ),
        "findings CSV": reverse("audits:sample-findings-csv", kwargs={"month": month}),
    }
    queries = {}
    for label, url in targets.items():
        queries[label] = count_queries(lambda u=url: _get(client, u))  # type: ignore[misc]
    timings = interleaved(client, targets, requests)
    bare = statistics.median(timings[bare_label])
    for label in targets:
        print(timing_line(label, timings[label], bare, queries[label]))


def interleaved(client: Client, targets: dict[str, str], rounds: int) -> dict[str, list[float]]:
    """Milliseconds of ``rounds`` requests of each target (after 3 untimed rounds), sorted;
    each round asks every target once in a new random order, so a change in the machine's
    load (it is shared) weighs on the pages and the bare view alike."""
    order = list(targets)
    timings: dict[str, list[float]] = {label: [] for label in order}
    for round_number in range(3 + rounds):
        random.shuffle(order)
        for label in order:
            started = time.perf_counter_ns()
            _get(client, targets[label])
            if round_number >= 3:
                timings[label].append((time.perf_counter_ns() - started) / 1e6)
    return {label: sorted(values) for label, values in timings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=77_000)
    parser.add_argument("--prescribers", type=int, default=40)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--draws", type=int, default=5, help="timed draws (rolled back)")
    parser.add_argument("--keepdb", action="store_true", help="keep (and reuse) the database")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the population query is its).")
    # The pages name their static files through the manifest, as in production.
    call_command("collectstatic", interactive=False, verbosity=0)
    setup_test_environment(debug=False)  # as the test runner: DEBUG would log every query
    old_name = connection.settings_dict["NAME"]
    with connection._nodb_cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s",
            [connection.creation._get_test_db_name()],
        )
        existing = args.keepdb and cursor.fetchone() is not None
    connection.creation.create_test_db(
        verbosity=0, autoclobber=True, serialize=False, keepdb=args.keepdb
    )
    print(
        f"database {connection.settings_dict['NAME']} ({'reused' if existing else 'new'}), "
        f"{datetime.datetime.now():%Y-%m-%d %H:%M}"
    )
    try:
        with override_settings(ROOT_URLCONF=__name__):
            if not existing:
                seed(args.visits, args.prescribers)
                draw(args.draws)
            pages(args.requests)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=args.keepdb)
        teardown_test_environment()


if __name__ == "__main__":
    main()
