"""Three months of billing for the demo practice, through the real services.

After the visits are signed (each signing built its claim), the demo biller works the
claims week by week as a practice does: approves the clean ones, exports an 837P file
every Tuesday afternoon (``claim_batch_export``), imports the clearinghouse's 999 the next
morning and the payers' 277CA the day after (``ack_import``; a few claims are rejected and
wait in the queue with the payer's reason), and posts each file's 835 about two to three
weeks later (``era_import``): most claims paid, some partly paid with the patient's share
(deductible, coinsurance, copay: PR-1/2/3), some denied with the common behavioural health
CARCs (16 with M51, 50, 97, 197, 27), and one payment reversed (CLP02 22) and posted again.
The payers' files come from the demo payer (``claims.demo_payer``), validated with pyx12.

Every step runs with Django's clock set to the moment it happened (as the visits are
signed), so the claims' histories, the export dates and the postings spread over the three
months: the claim transitions and 837P files are append-only and keep the time they were
written. The newest file's 835 is not posted: it is written to ``var/demo/`` for the biller
to import by hand. Finally a few claims are worked into every other state: a denial
corrected for resubmission, another appealed, a denied line written off, a paid claim voided
at the payer, claims on hold, returned to the clinician, voided and approved.
"""

from __future__ import annotations

import datetime
import functools
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from unittest import mock

from django.contrib.auth.models import User
from django.utils import timezone

from claims.acks import ack_import
from claims.demo_payer import (
    REJECTIONS,
    Answer,
    demo_277ca,
    demo_999,
    demo_era,
    demo_payment,
    demo_reversal,
)
from claims.denials import denial_appeal, denial_correct_resubmit, denial_write_off
from claims.era import era_import
from claims.export import claim_batch_export
from claims.models import (
    Claim,
    ClaimState,
    DenialAction,
    ExportBatch,
    LinePayment,
)
from claims.transitions import claim_transition, part2_consent_missing
from claims.x12.payer_build import ClaimPay

S = ClaimState
SEED = 2026
NEWEST_ERA_NAME = "era-newest-batch.835"
NEWEST_999_NAME = "999-newest-batch.x12"
BATCH_WEEKDAY = 1  # Tuesday
BATCH_TIME = datetime.time(16, 0)
ERA_LAG_DAYS = (15, 22)  # the payers answer two to three weeks after the file
REJECT_EVERY = 3  # one claim of every third file is rejected by the payer's 277CA


@contextmanager
def clock_at(moment: datetime.datetime) -> Iterator[None]:
    """Django's clock reads ``moment`` meanwhile (auto_now_add fields, services' dates)."""
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


@dataclass(order=True)
class Event:
    at: datetime.datetime
    order: int
    run: Callable[[], None]


def newest_era_path(directory: Path) -> Path:
    return directory / NEWEST_ERA_NAME


class Billing:
    """Works the demo claims from signing to payment; ``run`` once, on a fresh practice."""

    def __init__(self, *, biller: User, directory: Path) -> None:
        self.biller = biller
        self.directory = directory
        self.rng = random.Random(SEED + 10)  # noqa: S311 - reproducible demo data
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.rejected: set[int] = set()
        self.events: list[Event] = []
        self.reversal_done = False

    # --- the calendar ------------------------------------------------------------------------

    def _batch_moments(self) -> list[datetime.datetime]:
        first = Claim.objects.order_by("created_at").values_list("created_at", flat=True).first()
        if first is None:
            return []
        day = timezone.localdate(first) + datetime.timedelta(days=3)
        day += datetime.timedelta(days=(BATCH_WEEKDAY - day.weekday()) % 7)
        last = self.today - datetime.timedelta(days=2)
        moments = []
        while day <= last:
            moments.append(timezone.make_aware(datetime.datetime.combine(day, BATCH_TIME)))
            day += datetime.timedelta(days=7)
        return moments

    def _at(
        self, day_moment: datetime.datetime, days: int, time: datetime.time
    ) -> datetime.datetime:
        day = timezone.localdate(day_moment) + datetime.timedelta(days=days)
        return timezone.make_aware(datetime.datetime.combine(day, time))

    def _add(self, at: datetime.datetime, run: Callable[[], None]) -> None:
        self.events.append(Event(at, len(self.events), run))

    def run(self) -> Path | None:
        """Work every week's file; return the path of the newest file's 835 (not posted)."""
        moments = self._batch_moments()
        if not moments:
            return None
        for n, moment in enumerate(moments):
            self._add(moment, functools.partial(self._export, n, moment, moments))
        while self.events:
            self.events.sort()
            event = self.events.pop(0)
            if event.at >= self.now:
                continue  # the payer has not answered yet
            with clock_at(event.at):
                event.run()
        self._work_the_rest()
        return self.newest_era_write()

    # --- one week's file ---------------------------------------------------------------------

    def _export(self, n: int, moment: datetime.datetime, moments: list[datetime.datetime]) -> None:
        ready = [
            c
            for c in Claim.objects.filter(
                state=S.QUEUED,
                has_errors=False,
                created_at__lt=moment - datetime.timedelta(hours=2),
            )
            .exclude(pk__in=self.rejected)
            .select_related("encounter", "patient")
        ]
        ready = [c for c in ready if not part2_consent_missing(c)]
        if not ready:
            return
        with clock_at(moment - datetime.timedelta(hours=3)):
            for claim in ready:
                claim_transition(
                    user=self.biller, claim=claim, to_state=S.APPROVED, version=claim.version
                )
        batch = claim_batch_export(user=self.biller, claim_ids=[c.pk for c in ready])
        newest = n == len(moments) - 1
        if not newest:
            self._add(self._at(moment, 1, datetime.time(9, 10)), lambda: self._ack_999(batch))
        self._add(
            self._at(moment, 2, datetime.time(10, 30)),
            lambda: self._ack_277ca(n, batch, partial=newest),
        )
        if not newest:
            lag = self.rng.randint(*ERA_LAG_DAYS)
            self._add(self._at(moment, lag, datetime.time(8, 45)), lambda: self._era(batch))

    def _ack_999(self, batch: ExportBatch) -> None:
        text = demo_999(batch, day=timezone.localdate())
        ack_import(user=self.biller, name=f"999-{batch.control_number:09d}.x12", content=text)

    def _ack_277ca(self, n: int, batch: ExportBatch, *, partial: bool) -> None:
        claims = list(
            Claim.objects.filter(batch=batch, state__in=(S.SUBMITTED, S.ACCEPTED))
            .select_related("patient")
            .order_by("id")
        )
        if partial:  # the newest file: the payers have answered for half its claims so far
            claims = claims[: len(claims) // 2]
        rejected = {}
        if n % REJECT_EVERY == 1 and len(claims) > 2:
            claim = claims[len(claims) // 2]
            rejected[claim.number] = REJECTIONS[(n // REJECT_EVERY) % len(REJECTIONS)]
            self.rejected.add(claim.pk)
        if not claims:
            return
        text = demo_277ca(claims, day=timezone.localdate(), rejected=rejected, control=batch.pk)
        ack_import(user=self.biller, name=f"277CA-{batch.control_number:09d}.x12", content=text)

    def _waiting(self, batch: ExportBatch) -> list[Claim]:
        return list(
            Claim.objects.filter(batch=batch, state__in=(S.SUBMITTED, S.ACCEPTED))
            .select_related("patient", "payer")
            .prefetch_related("lines")
            .order_by("id")
        )

    def _era(self, batch: ExportBatch) -> None:
        claims = self._waiting(batch)
        if not claims:
            return
        day = timezone.localdate()
        payments = [demo_payment(c, seed=SEED, day=day) for c in claims]
        text = demo_era(payments, day=day, trace=f"EFT{batch.control_number:06d}", control=batch.pk)
        era_import(user=self.biller, name=f"era-{batch.control_number:09d}.835", content=text)
        if not self.reversal_done:
            paid = next((p for p in payments if p.status == "1" and not _owed(p)), None)
            if paid is not None:
                self.reversal_done = True
                claim = next(c for c in claims if c.number == paid.claim_number)
                self._add(
                    self._at(timezone.now(), 9, datetime.time(8, 45)),
                    lambda: self._reverse(batch, claim, paid),
                )

    def _reverse(self, batch: ExportBatch, claim: Claim, paid: ClaimPay) -> None:
        """The payer takes a payment back and pays again with the patient's coinsurance."""
        day = timezone.localdate()
        claim.refresh_from_db()
        again = demo_payment(claim, seed=SEED, day=day, answer=Answer.PATIENT_SHARE)
        text = demo_era(
            [demo_reversal(paid), again],
            day=day,
            trace=f"EFT{batch.control_number:06d}R",
            control=batch.pk + 500,
        )
        era_import(
            user=self.biller, name=f"era-{batch.control_number:09d}-reversal.835", content=text
        )

    # --- the newest file's 835, for the biller --------------------------------------------------

    def newest_era_write(self) -> Path | None:
        """Write the newest 837P file's 999 and 835 to ``var/demo/`` (neither imported).

        The same files however often the seed runs: a file already there is kept.
        """
        batch = ExportBatch.objects.order_by("-control_number").first()
        if batch is None:
            return None
        path = newest_era_path(self.directory)
        ack = self.directory / NEWEST_999_NAME
        # Two days after the file (the newest is at least two days old): never in the future.
        day = timezone.localdate(batch.created_at) + datetime.timedelta(days=2)
        self.directory.mkdir(parents=True, exist_ok=True)
        if not ack.exists():
            ack.write_text(demo_999(batch, day=day), encoding="ascii")
        if path.exists():
            return path
        claims = list(
            Claim.objects.filter(batch=batch)
            .exclude(state=S.QUEUED)  # rejected by the 277CA: not adjudicated
            .select_related("patient", "payer")
            .prefetch_related("lines")
            .order_by("id")
        )
        if not claims:
            return None
        payments = [demo_payment(c, seed=SEED, day=day) for c in claims]
        text = demo_era(payments, day=day, trace=f"EFT{batch.control_number:06d}", control=batch.pk)
        path.write_text(text, encoding="ascii")
        return path

    # --- the claims worked by hand ------------------------------------------------------------

    def _work_the_rest(self) -> None:
        """Denials worked, a void at the payer; queued claims held, returned, voided, approved."""
        days_ago = iter(range(6, 0, -1))

        def moment() -> datetime.datetime:
            return self._at(self.now, -next(days_ago), datetime.time(11, 0))

        denied = list(Claim.objects.filter(state=S.DENIED).order_by("date_of_service", "id"))
        # Missing or invalid information (CARC 16) is corrected; a necessity or authorisation
        # denial is appealed.
        denied.sort(key=lambda c: c.denial_code != "16")
        if denied:
            claim = denied.pop(0)
            with clock_at(moment()):
                denial_correct_resubmit(
                    user=self.biller,
                    line_id=_denied_line(claim).pk,
                    version=claim.version,
                    reason="Rendering provider and procedure code checked against the note's "
                    "codes; corrected claim to go out with the payer's claim number.",
                )
        denied.sort(key=lambda c: c.denial_code not in ("50", "197"))
        if denied:
            claim = denied[0]
            with clock_at(moment()):
                denial_appeal(
                    user=self.biller,
                    line_id=_denied_line(claim).pk,
                    reason="The visit's documentation supports the service billed: see the "
                    "enclosed claim lines and the coding rules applied.",
                    sent_on=timezone.localdate(),
                )
        partly = (
            LinePayment.objects.filter(
                payment__claim__state=S.PARTLY_PAID,
                paid=0,
                adjustments__group="CO",
                adjustments__carc__in=("16", "50", "97", "197", "27"),
                payment__reversed_by__isnull=True,
            )
            .exclude(pk__in=DenialAction.objects.values("line_payment_id"))
            .order_by("id")
            .first()
        )
        if partly is not None:
            with clock_at(moment()):
                denial_write_off(
                    user=self.biller,
                    line_id=partly.pk,
                    reason="The payer does not pay this line on top of the visit; the contract "
                    "leaves nothing to bill the patient.",
                )
        paid = Claim.objects.filter(state=S.PAID).exclude(payer_claim_number="").first()
        if paid is not None:
            with clock_at(moment()):
                claim_transition(
                    user=self.biller,
                    claim=paid,
                    to_state=S.VOID_PENDING,
                    version=paid.version,
                    reason="Billed twice: the visit was billed again under the patient's new "
                    "coverage.",
                )
        queued = [
            c
            for c in Claim.objects.filter(state=S.QUEUED, has_errors=False)
            .exclude(pk__in=self.rejected)
            .select_related("encounter", "patient")
            .order_by("-date_of_service", "id")
            if not part2_consent_missing(c)
        ]
        plan = [
            (S.ON_HOLD, "Waiting for the patient's new insurance card."),
            (S.RETURNED, "Was this visit in person or by video? The note says both."),
            (S.VOID, "Duplicate: the visit was entered twice."),
            (S.APPROVED, ""),
            (S.APPROVED, ""),
        ]
        with clock_at(moment()):
            for claim, (state, reason) in zip(queued, plan, strict=False):
                claim_transition(
                    user=self.biller,
                    claim=claim,
                    to_state=state,
                    version=claim.version,
                    reason=reason,
                )


def _owed(payment: ClaimPay) -> bool:
    return Decimal(str(payment.patient_responsibility)) != 0


def _denied_line(claim: Claim) -> LinePayment:
    """The claim's first line its current payment denied (nothing paid)."""
    line = (
        LinePayment.objects.filter(payment__claim=claim, payment__reversed_by__isnull=True, paid=0)
        .exclude(payment__reversal=True)
        .order_by("-payment__posted_at", "id")
        .first()
    )
    if line is None:
        raise RuntimeError(f"Claim {claim.number} has no denied line.")
    return line
