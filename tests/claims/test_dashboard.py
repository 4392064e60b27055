"""The billing dashboard: each figure on a small hand-built practice with known answers, the
filters, the links to exactly the claims behind a figure, the CSV files, who may open it,
bad filters shown as errors, and a query count that does not grow with the data."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import AccessRecord
from claims.dashboard import DashboardFilters, billing_dashboard, dashboard_names
from claims.models import Claim, ClaimLine, ClaimPayment, PayerFile, PaymentAdjustment
from coding.models import SignedProposal
from tests.factories import ClinicianFactory, CoverageFactory, EncounterFactory, payer

URL = reverse("claims:billing-dashboard")
D = Decimal


def _today() -> datetime.date:
    return timezone.localdate()


def make_claim(
    number: str,
    *,
    clinician: Any,
    payer_slug: str | None,
    state: str,
    charge: str,
    days_ago: int,
    lines: list[tuple[str, str]],
    submission_count: int = 1,
    paid: str | None = None,
    carc: str = "",
    findings: tuple[str, ...] = (),
    rules: tuple[str, ...] | None = None,
) -> Claim:
    """One claim as the builder, the export and the payer's answer would have left it."""
    dos = _today() - datetime.timedelta(days=days_ago)
    the_payer = payer(payer_slug) if payer_slug else None
    # A surname no clinician, payer or label on the page shares, so the
    # "no patient is named" check cannot pass or fail by a random draw.
    coverage = CoverageFactory(payer=the_payer or payer(), patient__last_name=f"Zyxpatient{number}")
    encounter = EncounterFactory(
        clinician=clinician, patient=coverage.patient, coverage=coverage, date_of_service=dos
    )
    claim = Claim.objects.create(
        encounter=encounter,
        number=number,
        patient=encounter.patient,
        clinician=clinician,
        payer=the_payer,
        coverage=encounter.coverage if the_payer else None,
        date_of_service=dos,
        place_of_service="11",
        rendering_npi=clinician.npi,
        billing_npi="1234567893",
        diagnoses=["F41.0"],
        state=state,
        total_charge=D(charge),
        submission_count=submission_count,
        paid_amount=None if paid is None else D(paid),
        denial_code=carc,
        findings=[{"rule": r, "level": "warning", "text": "t", "line": None} for r in findings],
    )
    for position, (code, line_charge) in enumerate(lines, start=1):
        ClaimLine.objects.create(
            claim=claim, position=position, code=code, pointers=[1], charge=D(line_charge)
        )
    if rules is not None:
        SignedProposal.objects.create(
            encounter=encounter,
            engine_version="test",
            facts={},
            proposal={},
            chosen_option="recommended",
            chosen_lines=[],
            rule_ids=list(rules),
        )
    return claim


def _payment(claim: Claim, user: Any, *, contractual: str, trace: str, **fields: Any) -> Any:
    payer_file = PayerFile.objects.create(
        kind="835", name=f"{trace}.835", sha256="0" * 64, content="ISA~", imported_by=user
    )
    payment = ClaimPayment.objects.create(
        payer_file=payer_file,
        claim=claim,
        payer_key="1999999999",
        trace_number=trace,
        status_code="1",
        charge=claim.total_charge,
        paid=claim.paid_amount or 0,
        outcome=claim.state,
        **fields,
    )
    PaymentAdjustment.objects.create(payment=payment, group="CO", carc="45", amount=D(contractual))
    return payment


@pytest.fixture
def practice(db, biller):
    """Eight claims of two clinicians at two payers (figures worked out in each test)."""
    a = ClinicianFactory(user__first_name="Ann", user__last_name="Able")
    b = ClinicianFactory(user__first_name="Ben", user__last_name="Baker")
    em_pt = [("99214", "120.00"), ("90833", "80.00")]
    c = {
        "c1": make_claim(
            "C1", clinician=a, payer_slug="commercial", state="paid", charge="200.00",
            days_ago=10, lines=em_pt, paid="150.00",
        ),
        "c2": make_claim(
            "C2", clinician=a, payer_slug="commercial", state="denied", charge="200.00",
            days_ago=40, lines=em_pt, paid="0.00", carc="50", findings=("SC-ENGINE",),
            rules=("PT-1", "EM-2"),
        ),
        "c3": make_claim(
            "C3", clinician=b, payer_slug="medicare", state="partly_paid", charge="300.00",
            days_ago=70, lines=[("90837", "300.00")], paid="100.00", carc="97",
        ),
        "c4": make_claim(
            "C4", clinician=b, payer_slug="medicare", state="submitted", charge="100.00",
            days_ago=5, lines=[("99213", "100.00")],
        ),
        "c5": make_claim(
            "C5", clinician=a, payer_slug="commercial", state="accepted", charge="150.00",
            days_ago=120, lines=[("99214", "150.00")], submission_count=2,
        ),
        "c6": make_claim(
            "C6", clinician=b, payer_slug="commercial", state="queued", charge="100.00",
            days_ago=3, lines=[("99213", "100.00")], submission_count=0,
        ),
        "c7": make_claim(
            "C7", clinician=a, payer_slug="medicare", state="denied", charge="120.00",
            days_ago=20, lines=[("99213", "120.00")], carc="50",
            findings=("SC-FEE", "SC-ENGINE"), rules=("EM-1",),
        ),
        "c8": make_claim(
            "C8", clinician=b, payer_slug="commercial", state="void", charge="100.00",
            days_ago=50, lines=[("99213", "100.00")],
        ),
    }  # fmt: skip
    _payment(c["c1"], biller, contractual="50.00", trace="EFT1")
    _payment(c["c3"], biller, contractual="20.00", trace="EFT3")
    # A reversed posting's contractual adjustment no longer counts.
    reversal = _payment(c["c3"], biller, contractual="0.00", trace="EFT4", reversal=True)
    _payment(c["c3"], biller, contractual="999.00", trace="EFT2", reversed_by=reversal)
    return {"a": a, "b": b, **c}


def _board(biller, **filters):
    return billing_dashboard(
        user=biller,
        filters=DashboardFilters(**filters),
        today=_today(),
        names=dashboard_names(user=biller),
    )


def test_headline_figures_over_the_whole_practice(practice, biller):
    h = _board(biller).headline
    # In A/R: sent, not paid or void: C2 200, C3 300-100, C4 100, C5 150, C7 120 (no payment).
    assert (h.ar_claims, h.ar_balance) == (5, D("770.00"))
    # Charges sent with a date of service in the last 90 days: all sent but C5 (120 days ago).
    assert (h.period_days, h.period_charges) == (90, D("1020.00"))
    assert h.days_in_ar == pytest.approx(770 * 90 / 1020)
    # First pass: of the six sent claims with a first answer (C4 still waits), only C1 was
    # paid on its first submission without a denial (C5 was rejected and sent again).
    assert (h.first_pass_accepted, h.first_pass_decided) == (1, 6)
    assert h.first_pass_rate == pytest.approx(1 / 6)
    # Adjudicated: C1, C2 (paid 0), C3 and C7 (a paper denial); denied: C2, C3, C7.
    assert (h.denied, h.adjudicated) == (3, 4)
    assert h.denial_rate == pytest.approx(0.75)
    # Net collection: 150 + 0 + 100 paid ÷ (820 charged − 50 − 20 contractual CO-45).
    assert (h.payments, h.adjudicated_charges, h.contractual) == (
        D("250.00"),
        D("820.00"),
        D("70.00"),
    )
    assert h.net_collection_rate == pytest.approx(250 / 750)


def test_aging_by_payer_by_days_since_the_date_of_service(practice, biller):
    board = _board(biller)
    aging = {row.payer: row for row in board.aging}
    assert set(aging) == {"Commercial plan", "Medicare Part B"}
    commercial, medicare = aging["Commercial plan"], aging["Medicare Part B"]
    assert commercial.counts == (0, 1, 0, 1)  # C2 40 days, C5 120 days
    assert commercial.amounts == (D("0.00"), D("200.00"), D("0.00"), D("150.00"))
    assert medicare.counts == (2, 0, 1, 0)  # C4 5 days and C7 20 days, C3 70 days
    assert medicare.amounts == (D("220.00"), D("0.00"), D("200.00"), D("0.00"))
    total = board.aging_total
    assert (total.total_count, total.total_amount) == (5, D("770.00"))


def test_denials_by_carc_payer_clinician_and_code(practice, biller):
    rows = {
        (c.carc, c.payer, c.clinician, c.code): (c.denied, c.adjudicated, c.denied_charges)
        for c in _board(biller).combinations
    }
    assert rows == {
        ("50", "Commercial plan", "Ann Able", "99214"): (1, 2, D("120.00")),  # C2 of C1, C2
        ("50", "Commercial plan", "Ann Able", "90833"): (1, 2, D("80.00")),
        ("97", "Medicare Part B", "Ben Baker", "90837"): (1, 1, D("300.00")),
        ("50", "Medicare Part B", "Ann Able", "99213"): (1, 1, D("120.00")),
    }


def test_top_denial_causes_carry_the_findings_and_rule_ids_of_their_claims(practice, biller):
    causes = _board(biller).causes
    assert [(c.carc, c.claims, c.dollars) for c in causes] == [
        ("50", 2, D("320.00")),  # C2 200 unpaid, C7 120
        ("97", 1, D("200.00")),  # C3: 300 charged, 100 paid
    ]
    fifty = causes[0]
    assert [(rule, n) for rule, n, _ in fifty.findings] == [("SC-ENGINE", 2), ("SC-FEE", 1)]
    assert [(rule, n) for rule, n, _ in fifty.rules] == [("EM-1", 1), ("EM-2", 1), ("PT-1", 1)]
    assert causes[1].findings == ()
    assert causes[1].rules == ()
    assert fifty.explanation  # the shipped plain-language text of CARC 50


def test_filters_by_payer_clinician_and_month(practice, biller):
    medicare = payer("medicare").pk
    h = _board(biller, payer=medicare).headline
    assert (h.ar_claims, h.ar_balance, h.denied, h.adjudicated) == (3, D("420.00"), 2, 2)
    h = _board(biller, clinician=practice["b"].pk).headline
    assert (h.ar_claims, h.ar_balance) == (2, D("300.00"))  # C3 and C4
    month = practice["c5"].date_of_service.replace(day=1)
    board = _board(biller, month=month)
    assert (board.headline.ar_claims, board.headline.ar_balance) == (1, D("150.00"))
    # Only C5 in that month: its balance over its own charges per day of the month.
    assert board.headline.days_in_ar == pytest.approx(board.headline.period_days)


def _queue_numbers(client, link: str) -> set[str]:
    response = client.get(link)
    assert response.status_code == 200, link
    return {claim.number for claim in response.context["queue"].page.object_list}


def test_every_figure_links_to_exactly_the_claims_behind_it(practice, biller, client_for):
    client = client_for(biller)
    board = _board(biller)
    links = board.headline.links
    assert _queue_numbers(client, links["ar"]) == {"C2", "C3", "C4", "C5", "C7"}
    assert _queue_numbers(client, links["first-pass"]) == {"C1"}
    assert _queue_numbers(client, links["first-pass-decided"]) == {
        "C1",
        "C2",
        "C3",
        "C5",
        "C7",
        "C8",
    }
    assert _queue_numbers(client, links["adjudicated"]) == {"C1", "C2", "C3", "C7"}
    assert _queue_numbers(client, links["denied"]) == {"C2", "C3", "C7"}
    medicare = next(row for row in board.aging if row.payer == "Medicare Part B")
    assert _queue_numbers(client, medicare.links[0]) == {"C4", "C7"}  # 0-30 days
    assert _queue_numbers(client, medicare.links[2]) == {"C3"}
    assert _queue_numbers(client, board.aging_total.links[3]) == {"C5"}
    fifty = board.causes[0]
    assert _queue_numbers(client, fifty.link) == {"C2", "C7"}
    assert _queue_numbers(client, dict((r, link) for r, _, link in fifty.findings)["SC-FEE"]) == {
        "C7"
    }
    assert _queue_numbers(client, dict((r, link) for r, _, link in fifty.rules)["EM-2"]) == {"C2"}
    combination = next(c for c in board.combinations if c.code == "90833")
    assert _queue_numbers(client, combination.link) == {"C2"}
    assert _queue_numbers(client, combination.adjudicated_link) == {"C1", "C2"}


def test_links_keep_the_dashboards_filters(practice, biller, client_for):
    client = client_for(biller)
    board = _board(biller, clinician=practice["a"].pk)
    assert _queue_numbers(client, board.headline.links["denied"]) == {"C2", "C7"}


def test_the_page_shows_each_figure_as_a_link_and_every_chart_with_its_table(
    practice, biller, client_for
):
    response = client_for(biller).get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('role="img"') == 2
    assert page.count("<title id=") == 2
    for table in ("aging-table", "causes-table", "denials-table"):
        assert f'data-testid="{table}"' in page
    board = response.context["board"]
    assert board.headline.links["ar"].replace("&", "&amp;") in page
    # Aggregates only: no patient is named, so no access record is written.
    for claim in Claim.objects.select_related("patient"):
        assert claim.patient.last_name not in page
    assert not AccessRecord.objects.filter(user=biller).exists()
    assert 'href="/billing/dashboard/"' in page  # the billers' navigation


def _csv(client, table: str, **params: str) -> list[dict[str, str]]:
    response = client.get(URL, {"format": "csv", "table": table, **params})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="billing-{table}' in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def test_csv_of_each_table(practice, biller, client_for):
    client = client_for(biller)
    summary = {row["Figure"]: row for row in _csv(client, "summary")}
    assert summary["Denial rate"]["Value"] == "0.75"
    assert summary["Net collection rate"]["Computed from"] == "250.00 / (820.00 - 70.00)"
    aging = {row["Payer"]: row for row in _csv(client, "aging")}
    assert aging["Medicare Part B"]["0-30 claims"] == "2"
    assert aging["Medicare Part B"]["0-30 balance"] == "220.00"
    assert aging["All payers"]["Balance"] == "770.00"
    denials = _csv(client, "denials", payer=str(payer("medicare").pk))
    assert {(r["CARC"], r["Code"], r["Denial rate"]) for r in denials} == {
        ("97", "90837", "1.0"),
        ("50", "99213", "1.0"),
    }
    causes = _csv(client, "causes")
    assert causes[0]["CARC"] == "50"
    assert causes[0]["Scrubber findings (claims)"] == "SC-ENGINE (2) SC-FEE (1)"
    assert causes[0]["Engine rule ids (claims)"] == "EM-1 (1) EM-2 (1) PT-1 (1)"
    assert causes[0]["Unpaid dollars"] == "320.00"


def test_csv_guards_text_a_spreadsheet_would_run(practice, biller, client_for):
    commercial = payer("commercial")
    commercial.name = "=HYPERLINK(1)"
    commercial.save(update_fields=["name"])
    rows = _csv(client_for(biller), "aging")
    assert "'=HYPERLINK(1)" in {row["Payer"] for row in rows}


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"payer": "abc"}, "payer", "whole number"),
        ({"payer": "999999"}, "payer", "No payer has the id 999999"),
        ({"clinician": "-1"}, "clinician", "greater than or equal to 1"),
        ({"month": "2026-13"}, "month", "YYYY-MM"),
        ({"month": "<script>"}, "month", "YYYY-MM"),
        ({"format": "csv"}, "table", "Choose which table"),
        ({"format": "csv", "table": "patients"}, "table", "Select a valid choice"),
    ],
)
def test_bad_filters_are_shown_beside_their_field_not_a_500(
    practice, biller, client_for, params, field, message
):
    response = client_for(biller).get(URL, params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    form = response.context["form"]
    assert any(message in error for error in form.errors[field])
    assert message.replace("<", "&lt;") in response.content.decode() or field == "table"
    assert response.context["board"].headline.ar_claims == 5  # the bad filter filters nothing


@pytest.mark.parametrize("role", ["prescriber", "compliance", "practice_admin"])
def test_only_billers_open_the_dashboard(practice, client_for, request, role):
    user = request.getfixturevalue(role)
    assert client_for(user).get(URL).status_code == 403
    assert client_for(user).get(URL, {"format": "csv", "table": "aging"}).status_code == 403


def test_signed_out_users_go_to_the_login_page(db, client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/login" in response["Location"]


def _practice_of(size: int, biller) -> None:
    clinician = ClinicianFactory()
    states = ["paid", "denied", "partly_paid", "submitted", "accepted", "queued"]
    for n in range(size):
        state = states[n % len(states)]
        claim = make_claim(
            f"Q{n}", clinician=clinician, payer_slug=("commercial", "medicare")[n % 2],
            state=state, charge="100.00", days_ago=n * 3, lines=[("99213", "100.00")],
            paid="60.00" if state in ("paid", "partly_paid") else None,
            carc=str(n % 4 + 16) if state in ("denied", "partly_paid") else "",
            findings=("SC-FEE",) if n % 5 == 0 else (), rules=("EM-1",) if n % 2 else None,
        )  # fmt: skip
        if state == "paid":
            _payment(claim, biller, contractual="10.00", trace=f"EFT{n}")


# The figures' aggregate queries (six of the totals on PostgreSQL, seven of the claims on
# SQLite), the filters' payers and clinicians; the session, the user with their role
# (accounts.backends), and the session's save (the idle clock's first write after sign-in)
# in savepoints.
DASHBOARD_QUERIES = {"postgresql": 15, "sqlite": 16}


@pytest.mark.parametrize("size", [3, 60])
def test_the_query_count_does_not_grow_with_the_claims(
    db, biller, client_for, django_assert_num_queries, size
):
    _practice_of(size, biller)
    client = client_for(biller)
    medicare = str(payer("medicare").pk)
    with django_assert_num_queries(DASHBOARD_QUERIES[connection.vendor]):
        response = client.get(URL, {"payer": medicare})
    assert response.status_code == 200
    assert response.context["board"].headline.ar_claims > 0


def test_the_queue_names_the_figure_it_was_opened_for(practice, biller, client_for):
    cause = _board(biller).causes[0]
    response = client_for(biller).get(dict((r, link) for r, _, link in cause.findings)["SC-FEE"])
    page = response.content.decode()
    assert 'data-testid="dashboard-filter"' in page
    assert "Denied by the payer (CARC)" in page
    assert "CARC <strong>50</strong>" in page
    assert "scrubber finding <strong>SC-FEE</strong>" in page
    # The figure stays with the queue's own filters (hidden fields of its form).
    assert 'type="hidden" name="figure" value="denied"' in page
