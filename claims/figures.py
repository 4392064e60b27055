"""The claim sets behind the billing dashboard's figures, each defined once.

The dashboard counts and sums these sets (``claims.dashboard``) and the claim queue filters
on them (``?figure=ar-31-60``), so a figure's link lists exactly the claims it counts. Every
set is a ``Q`` over the claim row alone (state, submission count, date of service, paid
amount, CARC), so the dashboard aggregates them in one query.

- *sent*: sent to the payer at least once (``submission_count >= 1``).
- *in A/R*: sent and not settled: any state but paid, void or void pending (a claim the
  payer rejected, denied or partly paid is still owed). Its balance is the charge less what
  the payer paid.
- *aged 0-30 ... 90+*: in A/R, by days since the date of service.
- *first pass decided*: sent, and not still waiting for the answer to its first submission.
- *first pass accepted*: sent once, accepted (277CA) or paid, and carrying no denial CARC
  (a rejected claim is sent again, so it is no longer sent once).
- *adjudicated*: the payer answered: a payment was recorded (even of 0) or a denial CARC.
- *denied*: the payer's latest answer carries a denial CARC (in full, or in part on a partly
  paid claim): ``Claim.denial_code`` as the 835 posting or the paper answer set it.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Q

from .models import ClaimState

S = ClaimState
SETTLED = (S.PAID, S.VOID, S.VOID_PENDING)
AGING_BUCKETS: dict[str, tuple[int, int | None]] = {
    "0-30": (0, 30),
    "31-60": (31, 60),
    "61-90": (61, 90),
    "90+": (91, None),
}


def sent() -> Q:
    return Q(submission_count__gte=1)


def in_ar() -> Q:
    return sent() & ~Q(state__in=SETTLED)


def aged(bucket: str, today: datetime.date) -> Q:
    """In A/R with a date of service ``bucket`` days ago (a key of ``AGING_BUCKETS``)."""
    low, high = AGING_BUCKETS[bucket]
    condition = in_ar() & Q(date_of_service__lte=today - datetime.timedelta(days=low))
    if high is not None:
        condition &= Q(date_of_service__gte=today - datetime.timedelta(days=high))
    return condition


def first_pass_decided() -> Q:
    return sent() & ~Q(state=S.SUBMITTED, submission_count=1)


def first_pass_accepted() -> Q:
    return Q(submission_count=1, state__in=(S.ACCEPTED, S.PAID), denial_code="")


def adjudicated() -> Q:
    return Q(paid_amount__isnull=False) | ~Q(denial_code="")


def denied() -> Q:
    return ~Q(denial_code="")


def _fixed(make: Callable[[], Q]) -> Callable[[datetime.date], Q]:
    return lambda _today: make()


def _aged(bucket: str) -> Callable[[datetime.date], Q]:
    return lambda today: aged(bucket, today)


# key -> (what the queue says it shows, the condition as of a day)
FIGURES: dict[str, tuple[str, Callable[[datetime.date], Q]]] = {
    "sent": ("Sent to the payer", _fixed(sent)),
    "ar": ("In A/R (sent, not settled)", _fixed(in_ar)),
    **{f"ar-{b}": (f"In A/R, {b} days since service", _aged(b)) for b in AGING_BUCKETS},
    "first-pass-decided": ("Sent, first answer received", _fixed(first_pass_decided)),
    "first-pass": ("Accepted or paid on the first submission", _fixed(first_pass_accepted)),
    "adjudicated": ("Adjudicated by the payer", _fixed(adjudicated)),
    "denied": ("Denied by the payer (CARC)", _fixed(denied)),
}
FIGURE_CHOICES = [(key, label) for key, (label, _) in FIGURES.items()]


def figure_condition(key: str, *, today: datetime.date) -> Q:
    """The claims behind the figure ``key`` as of ``today``."""
    return FIGURES[key][1](today)
