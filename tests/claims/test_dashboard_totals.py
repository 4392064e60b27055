"""The dashboard's totals (DashboardTotal, kept by PostgreSQL triggers) give the same figures
as the claims themselves, whatever the billers and the payers' files did to the claims: a
random sequence of the real services (signing, hand transitions, 837P export, paper answers,
835 postings and reversals, line fixes, bulk changes), then every figure compared."""

from __future__ import annotations

import datetime
import random
import re
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.roles import Role
from claims.build import claim_line_add, claim_line_delete
from claims.dashboard import (
    DashboardFilters,
    billing_dashboard,
    billing_dashboard_from_claims,
    dashboard_names,
    dashboard_totals_rebuild,
)
from claims.era import FULL_PAYMENT_CARCS, era_import
from claims.export import claim_batch_export
from claims.models import Claim, ClaimState, DashboardTotal
from claims.remittance import claim_payer_answer
from claims.transitions import (
    ANSWERABLE_STATES,
    EDITABLE_STATES,
    claim_transition,
    transitions_from,
)
from coding.engine.claim_lines import BilledLine
from tests.claims.helpers import run_at_once, signed_claim
from tests.claims.payer_files import Adj, ClaimPay, era_835
from tests.claims.test_dashboard import make_claim
from tests.factories import ClinicianFactory, UserFactory

S = ClaimState
CARCS = ("16", "50", "97", "197")
POSTED = (S.PAID, S.PARTLY_PAID, S.DENIED)


def _same_figures(biller: Any, *, all_filters: bool) -> None:
    """The totals and the claims give equal dashboards, today and on days the claims age."""
    names = dashboard_names(user=biller)
    today = timezone.localdate()
    filters = [DashboardFilters()]
    if all_filters:
        months = {d.replace(day=1) for d in Claim.objects.values_list("date_of_service", flat=True)}
        filters += [DashboardFilters(payer=pk) for pk in names.payers]
        filters += [DashboardFilters(clinician=pk) for pk in names.clinicians]
        filters += [DashboardFilters(month=month) for month in sorted(months)[-3:]]
        filters += [DashboardFilters(payer=pk, month=max(months)) for pk in names.payers]
    for day in (today, today + datetime.timedelta(days=31), today - datetime.timedelta(days=9)):
        for f in filters:
            totals = billing_dashboard(user=biller, filters=f, today=day, names=names)
            claims = billing_dashboard_from_claims(filters=f, today=day, names=names)
            assert totals == claims, (f, day)


class Practice:
    """Claims of two clinicians at two payers (and none), and what the services do to them."""

    def __init__(self, rng: random.Random, biller: Any) -> None:
        self.rng = rng
        self.biller = biller
        self.clinicians = [ClinicianFactory(credential="MD") for _ in range(2)]
        self.traces = 0
        self.done: list[str] = []  # the actions that went through
        self.refused = 0

    def claims_in(self, states: Any) -> list[Claim]:
        return list(Claim.objects.filter(state__in=states).order_by("pk"))

    def pick(self, states: Any) -> Claim | None:
        claims = self.claims_in(states)
        return self.rng.choice(claims) if claims else None

    def sign(self) -> None:
        signed_claim(
            clinician=self.rng.choice(self.clinicians),
            payer_slug=self.rng.choice(["commercial", "medicare"]),
            days_ago=self.rng.choice([0, 1, 29, 30, 31, 45, 60, 61, 89, 90, 91, 92, 150, 400]),
        )

    def sign_without_coverage(self) -> None:
        n = Claim.objects.count()
        make_claim(
            f"N{n}", clinician=self.rng.choice(self.clinicians), payer_slug=None,
            state=self.rng.choice([S.SUBMITTED, S.DENIED, S.QUEUED]), charge="120.00",
            days_ago=self.rng.choice([-3, 5, 75, 200]), lines=[("99213", "120.00")],
            carc=self.rng.choice(["", "16"]), findings=("SC-FEE",), rules=("EM-1",),
        )  # fmt: skip

    def transition(self) -> None:
        claim = self.pick(S.values)
        if claim is None:
            return
        choices = [
            (to, t)
            for to, t in transitions_from(claim.state, Role.BILLER)
            if not (t.export or t.payer_file)
        ]
        if not choices:
            return
        to_state, transition = self.rng.choice(choices)
        claim_transition(
            user=self.biller, claim=claim, to_state=to_state, version=claim.version,
            reason="Checked with the payer." if transition.reason_prompt else "",
            payer_claim_number="ICN-7" if transition.frequency else "",
        )  # fmt: skip

    def send(self) -> None:
        """A queued claim approved, and the approved claims sent in an 837P file."""
        claim = self.pick([S.QUEUED])
        if claim is not None:
            claim_transition(
                user=self.biller, claim=claim, to_state=S.APPROVED, version=claim.version
            )
        claim_batch_export(user=self.biller)

    def paper_answer(self) -> None:
        claim = self.pick(ANSWERABLE_STATES)
        if claim is None:
            return
        if self.rng.random() < 0.5:
            amount = Decimal(self.rng.choice(["0.00", "80.00", "150.50"]))
            claim_payer_answer(
                user=self.biller, claim=claim, version=claim.version, outcome="paid", amount=amount
            )
        else:
            claim_payer_answer(
                user=self.biller, claim=claim, version=claim.version, outcome="denied",
                carc=self.rng.choice(CARCS),
            )  # fmt: skip

    def era(self) -> None:
        """An 835 pays in full (CO-45), in part (CO-45 and a CARC), or denies a claim."""
        claim = self.pick([S.SUBMITTED, S.ACCEPTED])
        if claim is None:
            return
        charge = claim.total_charge
        how = self.rng.choice(["paid", "partly", "denied"])
        if how == "paid":
            pay = ClaimPay(
                claim.number, "1", charge, charge - 40, adjustments=[Adj("CO", "45", 40)]
            )
        elif how == "partly":
            pay = ClaimPay(
                claim.number, "1", charge, charge - 70,
                adjustments=[Adj("CO", "45", 40), Adj("CO", self.rng.choice(CARCS), 30)],
            )  # fmt: skip
        else:
            pay = ClaimPay(
                claim.number,
                "4",
                charge,
                0,
                adjustments=[Adj("CO", self.rng.choice(CARCS), charge)],
            )
        self.traces += 1
        era_import(
            user=self.biller, name="era.835", content=era_835([pay], trace=f"T{self.traces}")
        )

    def reversal(self) -> None:
        """An 835 takes back a posted payment (the claim is submitted again)."""
        claim = self.pick(POSTED)
        payment = claim and claim.payments.filter(reversal=False, reversed_by=None).last()
        if claim is None or payment is None:
            return
        adjustments = [Adj(a.group, a.carc, -a.amount) for a in payment.adjustments.all()]
        pay = ClaimPay(claim.number, "22", -payment.charge, -payment.paid, adjustments=adjustments)
        self.traces += 1
        era_import(
            user=self.biller, name="era.835", content=era_835([pay], trace=f"T{self.traces}")
        )

    def line_change(self) -> None:
        claim = self.pick(EDITABLE_STATES)
        if claim is None:
            return
        lines = claim.lines.count()
        if lines > 1 and self.rng.random() < 0.5:
            claim_line_delete(
                user=self.biller, claim=claim, version=claim.version, position=lines,
                reason="Billed in error.",
            )  # fmt: skip
        else:
            claim_line_add(
                user=self.biller, claim=claim, version=claim.version,
                line=BilledLine("99214", 1, (), (1,)), reason="Left out.",
            )  # fmt: skip

    def bulk_change(self) -> None:
        """One UPDATE of several claims, as a data fix would run it."""
        pks = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
        ids = self.rng.sample(pks, min(3, len(pks)))
        state = self.rng.choice([S.DENIED, S.SUBMITTED, S.QUEUED])
        Claim.objects.filter(pk__in=ids).update(
            state=state,
            denial_code="50" if state == S.DENIED else "",
            submission_count=self.rng.choice([0, 1, 3]),
        )

    def step(self) -> None:
        action = self.rng.choice(
            [self.sign, self.sign, self.sign_without_coverage, self.transition, self.transition,
             self.send,
            self.send, self.paper_answer, self.era, self.era, self.reversal, self.line_change,
             self.bulk_change]
        )  # fmt: skip
        try:
            with transaction.atomic():
                action()
        except ValidationError:
            self.refused += 1  # a change the service refuses writes nothing
        else:
            self.done.append(action.__name__)


@pytest.mark.django_db
@pytest.mark.parametrize("seed", range(4))
def test_the_totals_give_the_figures_of_the_claims_after_any_changes(biller, seed):
    practice = Practice(random.Random(seed), biller)
    for _ in range(4):
        practice.sign()
    practice.send()
    practice.send()
    denied = paid = False
    for step in range(36):
        practice.step()
        _same_figures(biller, all_filters=step % 6 == 5)
        denied = denied or Claim.objects.exclude(denial_code="").exists()
        paid = paid or Claim.objects.exclude(paid_amount=None).exists()
    # the sequence reached the payer's answers
    assert denied
    assert paid


@pytest.mark.django_db
def test_a_rebuild_folds_each_group_into_one_row_and_keeps_the_figures(biller):
    practice = Practice(random.Random(7), biller)
    for _ in range(12):
        practice.step()
    rows = dashboard_totals_rebuild()
    if connection.vendor == "postgresql":
        assert rows == DashboardTotal.objects.count() > 0
        assert set(DashboardTotal.objects.values_list("slot", flat=True)) == {
            DashboardTotal.objects.first().slot
        }
        assert not DashboardTotal.objects.filter(claims=0).exists()
    else:
        assert rows is None
    _same_figures(biller, all_filters=True)
    call_command("rebuild_dashboard_totals")


@pytest.mark.django_db
def test_the_totals_count_the_contractual_carcs_of_claims_era(biller):
    """The trigger function names the CARCs that leave nothing owed, as the 835 posting does."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = 'claims_dashboard_refresh'")
        source = cursor.fetchone()[0]
    named = re.search(r"a\.carc IN \(([^)]*)\)", source)
    assert named is not None
    assert {carc.strip(" '") for carc in named.group(1).split(",")} == FULL_PAYMENT_CARCS


def test_the_totals_stay_right_when_billers_change_claims_at_the_same_moment(transactional_db):
    """Six threads, each its own connection (its own slot or a shared one), answer and
    move claims at once; the figures from the totals equal those from the claims."""
    clinicians = [ClinicianFactory(credential="MD") for _ in range(2)]
    for n in range(12):
        signed_claim(clinician=clinicians[n % 2], payer_slug=("commercial", "medicare")[n % 2])
    ids = list(Claim.objects.order_by("pk").values_list("pk", flat=True))
    billers = [UserFactory(role="Biller") for _ in range(6)]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for pk in ids[index::6]:
                with transaction.atomic():
                    claim = Claim.objects.get(pk=pk)
                    claim_transition(
                        user=billers[index], claim=claim, to_state=S.APPROVED,
                        version=claim.version,
                    )  # fmt: skip
                with transaction.atomic():  # and answered, in one statement
                    Claim.objects.filter(pk=pk).update(
                        state=S.DENIED, submission_count=1, denial_code=CARCS[index % 4]
                    )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    run_at_once(work, 6)
    assert errors == []
    assert Claim.objects.filter(state=S.DENIED).count() == 12
    _same_figures(billers[0], all_filters=True)
