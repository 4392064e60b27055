"""The billers' claim queue: one page of it, the next claim for a biller, bulk approval.

The queue page runs a fixed number of queries whatever the data: the counts per state (from
``ClaimStateCount`` on PostgreSQL, which triggers keep; a GROUP BY with filters or on SQLite),
one page of 50 rows as plain values (patient and holder joined, clinicians and payers named
from the filter choices; the page total is the counts' sum, so there is no second COUNT(*)),
the filter choices and the access record. A search finds patients first (trigram indexes on
their names), then their claims by patient id; a word with a digit finds claims by the
start of their number. A name search's page picks its 50 claims' ids from the index of a
patient's claims by state and date (no table read), then reads those 50 rows; its counts
read that index alone too.
"Next claim" hands a queued claim to one biller and keeps it theirs for ``CLAIM_HOLD``.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db import connection, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import localize
from django.utils.functional import cached_property

from accounts.access import access_record_list
from accounts.models import Clinician
from accounts.roles import Role, role_of
from encounters.models import Patient
from payers.models import Payer

from .figures import FIGURES, figure_condition
from .models import Claim, ClaimLine, ClaimState, ClaimStateCount, ScrubStatus
from .transitions import StaleClaimError, claim_transition

S = ClaimState
# How long a claim handed out by "next claim" stays with its biller.
CLAIM_HOLD = datetime.timedelta(minutes=30)
PAGE_SIZE = 50
SORTS = {
    "dos": ("date_of_service", "id"),
    "-dos": ("-date_of_service", "-id"),
    "patient": ("patient__last_name", "patient__first_name", "id"),
    "number": ("number",),
    "charge": ("-total_charge", "id"),
    "updated": ("-updated_at", "-id"),
}
DEFAULT_SORT = "dos"
# A name search with this many claims in the page's state or more reads its page by walking
# the state's sorted index (1 claim in 50 or more matches at a million claims, so the first
# 50 come within a few thousand rows); with fewer, it sorts its matches (index-only).
WALK_FROM_MATCHES = 20_000
# The sorts an index of the claims gives in order (a walk by charge or by the time of the
# last change would sort the whole state first).
WALKED_SORTS = frozenset({"dos", "-dos", "number", "patient"})


@dataclass(frozen=True)
class QueueFilters:
    state: str = ClaimState.QUEUED
    payer: int | None = None
    clinician: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    scrub: str = ""
    q: str = ""
    sort: str = DEFAULT_SORT
    # From the billing dashboard's links: the claims behind one figure (claims.figures).
    figure: str = ""
    carc: str = ""
    code: str = ""
    finding: str = ""  # a scrubber finding's rule id on the claim
    rule: str = ""  # an engine rule id of the visit's signed proposal
    no_payer: bool = False  # claims without coverage (no payer)

    @property
    def figure_label(self) -> str:
        return FIGURES[self.figure][0] if self.figure in FIGURES else ""

    @property
    def from_dashboard(self) -> bool:
        return bool(
            self.figure or self.carc or self.code or self.finding or self.rule or self.no_payer
        )


# The columns one queue row reads: the patient and the holder joined, nothing else. The
# clinicians' and payers' names come from the filter's lists, read anyway: each join more
# cost PostgreSQL more to plan (2.2 ms with five joins, 0.3 ms with two) than to run.
_ROW_FIELDS = (
    "id",
    "number",
    "patient_id",
    "date_of_service",
    "patient__last_name",
    "patient__first_name",
    "clinician_id",
    "payer_id",
    "state",
    "scrub_status",
    "has_errors",
    "findings",
    "total_charge",
    "total_expected",
    "claimed_by__username",
)
STATE_LABELS = dict(ClaimState.choices)


class QueueRow(NamedTuple):
    """One claim of the queue's page as the table shows it: read as plain values in the
    page's one query and put in words once here, so the template only prints strings."""

    id: str  # the claim's id as its link and checkbox print it (no number formatting)
    number: str
    patient_id: int
    date_of_service: str  # YYYY-MM-DD
    patient: str  # "Last, First"
    clinician: str  # full name, else the username
    payer: str  # "no coverage" without a payer
    state: str  # the state's label
    clean: bool  # the scrubber found nothing
    badge: str  # a flagged claim's badge colour: errors red, warnings only amber
    rules: str  # every finding's rule id (the badge's tooltip), each followed by a space
    flagged: str  # the rule ids of its warnings and errors, each followed by a space
    charge: str
    expected: str
    claimed_by: str  # the biller holding it, or ""


def _queue_row(
    values: tuple[Any, ...], *, clinicians: dict[int, str], payers: dict[int, str]
) -> QueueRow:
    (
        pk,
        number,
        patient_id,
        date_of_service,
        last_name,
        first_name,
        clinician_id,
        payer_id,
        state,
        scrub_status,
        has_errors,
        findings,
        charge,
        expected,
        claimed_by,
    ) = values
    findings = findings or []
    rules = "".join(f"{_finding(f, 'rule')} " for f in findings)
    flagged = "".join(f"{_finding(f, 'rule')} " for f in findings if _finding(f, "level") != "info")
    return QueueRow(
        id=str(pk),
        number=number,
        patient_id=patient_id,
        date_of_service=date_of_service.isoformat(),
        patient=f"{last_name}, {first_name}",
        clinician=clinicians.get(clinician_id, ""),
        payer=payers.get(payer_id) or "no coverage",
        state=str(STATE_LABELS.get(state, state)),
        clean=scrub_status == ScrubStatus.CLEAN,
        badge="text-bg-danger" if has_errors else "text-bg-warning",
        rules=rules,
        flagged=flagged,
        charge=localize(charge),
        expected=localize(expected),
        claimed_by=claimed_by or "",
    )


def _finding(finding: Any, key: str) -> str:
    """A finding's ``key`` as text, "" when it has none (as the template printed it)."""
    return str(finding[key]) if isinstance(finding, dict) and key in finding else ""


@dataclass
class QueuePage:
    page: Page[QueueRow]
    counts: dict[str, int]
    filters: QueueFilters
    payers: list[Payer] = field(default_factory=list)
    clinicians: list[Clinician] = field(default_factory=list)


def _require_biller(user: User) -> None:
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers work the claim queue.")


def _name_matches(words: list[str]) -> QuerySet[Patient, int]:
    """Patients whose first or last name starts with each word (the trigram indexes)."""
    patients = Patient.objects.all()
    for word in words:
        patients = patients.filter(Q(last_name__istartswith=word) | Q(first_name__istartswith=word))
    return patients.values_list("id", flat=True)


def _number_search(words: list[str]) -> bool:
    return len(words) == 1 and any(ch.isdigit() for ch in words[0])


def _name_search(filters: QueueFilters) -> bool:
    words = filters.q.split()
    return bool(words) and not _number_search(words)


def _filtered(filters: QueueFilters, *, with_state: bool) -> QuerySet[Claim]:
    claims = Claim.objects.all()
    if with_state and filters.state:
        claims = claims.filter(state=filters.state)
    if filters.payer:
        claims = claims.filter(payer_id=filters.payer)
    if filters.clinician:
        claims = claims.filter(clinician_id=filters.clinician)
    if filters.date_from:
        claims = claims.filter(date_of_service__gte=filters.date_from)
    if filters.date_to:
        claims = claims.filter(date_of_service__lte=filters.date_to)
    if filters.scrub in ScrubStatus.values:
        claims = claims.filter(scrub_status=filters.scrub)
    words = filters.q.split()
    if _number_search(words):
        # A claim number, or its start (names have no digits): the number's own index.
        claims = claims.filter(number__startswith=words[0].upper())
    elif words:
        # Patients first (their names have trigram indexes), then their claims by patient
        # id: never an OR across the claim and patient tables, which no index serves.
        claims = claims.filter(patient_id__in=_name_matches(words))
    return _dashboard_filtered(claims, filters)


def _json_member(key: str, value: str) -> str:
    """How ``{key: value}`` reads inside a stored JSON list (PostgreSQL's jsonb text and
    Django's SQLite JSON text alike): matched with its quotes, so SC-FEE never finds SC-FEE2."""
    text = json.dumps(value)
    return f'"{key}": {text}' if key else text


def _dashboard_filtered(claims: QuerySet[Claim], filters: QueueFilters) -> QuerySet[Claim]:
    if filters.figure in FIGURES:
        claims = claims.filter(figure_condition(filters.figure, today=timezone.localdate()))
    if filters.no_payer:
        claims = claims.filter(payer__isnull=True)
    if filters.carc:
        claims = claims.filter(denial_code=filters.carc)
    if filters.code:
        claims = claims.filter(
            Exists(ClaimLine.objects.filter(claim=OuterRef("pk"), code=filters.code))
        )
    if filters.finding:
        claims = claims.filter(findings__icontains=_json_member("rule", filters.finding))
    if filters.rule:
        claims = claims.filter(
            encounter__signed_proposal__rule_ids__icontains=_json_member("", filters.rule)
        )
    return claims


def _ordering(filters: QueueFilters, *, matches: int = 0) -> list[Any]:
    """The page's sort. A name search's claims are found through their patients and are
    usually few: they are sorted as found (COALESCE hides the sorted indexes), never met by
    walking a whole state's sorted index in the hope of 50 matches (seconds at a million
    claims when the name has few claims in that state). A short or common word ("a")
    matches so many (``matches``, the page's count) that sorting them all costs more than
    walking the sorted index to the first 50, which is then short: the sorted indexes stay
    in sight of the planner."""
    fields = SORTS.get(filters.sort, SORTS[DEFAULT_SORT])
    if not _name_search(filters):
        return list(fields)
    if matches >= WALK_FROM_MATCHES and filters.sort in WALKED_SORTS:
        return list(fields)
    ordering = []
    for field_name in fields:
        name = field_name.lstrip("-")
        expression = Coalesce(F(name), F(name))
        ordering.append(expression.desc() if field_name.startswith("-") else expression.asc())
    return ordering


def _unfiltered(filters: QueueFilters) -> bool:
    return filters == QueueFilters(state=filters.state, sort=filters.sort)


def claim_state_counts() -> dict[str, int]:
    """How many claims are in each state: a read of the small table triggers keep on
    PostgreSQL (whatever the number of claims), a GROUP BY on SQLite."""
    counts = {state: 0 for state in ClaimState.values}
    if connection.vendor == "postgresql":
        rows = ClaimStateCount.objects.values("state").annotate(total=Sum("n")).order_by()
        for row in rows:
            counts[row["state"]] = int(row["total"] or 0)
        return counts
    for row in Claim.objects.order_by().values("state").annotate(total=Count("id")):
        counts[row["state"]] = row["total"]
    return counts


def _counts(filters: QueueFilters) -> dict[str, int]:
    if _unfiltered(filters):
        return claim_state_counts()
    counts = {state: 0 for state in ClaimState.values}
    for row in (
        _filtered(filters, with_state=False).order_by().values("state").annotate(n=Count("id"))
    ):
        counts[row["state"]] = row["n"]
    return counts


class NameSearchClaims:
    """A name search's claims as the paginator slices them: a page's ids first, sorted
    and cut to the page in a subquery that reads only the index of a patient's claims by
    state and date (``claim_patient_state_dos``, which holds the state and the date, charge
    and last change the sorts read), then those 50 rows in full, in the same query. Reading
    every match's row to sort them cost a name with 10,000 claims at a million 10,000 table
    reads for 50 rows."""

    def __init__(self, claims: QuerySet[Claim], ordering: list[Any]) -> None:
        self._claims = claims
        self._ordering = ordering

    def __getitem__(self, window: slice) -> list[tuple[Any, ...]]:
        ids = self._claims.order_by(*self._ordering).values("pk")[window]
        rows = Claim.objects.filter(pk__in=ids).order_by(*self._ordering)
        return list(rows.values_list(*_ROW_FIELDS))


class CountedPaginator(Paginator):  # type: ignore[type-arg]
    """A paginator told its total (the counts per state already say it): no COUNT(*)."""

    def __init__(self, object_list: Any, per_page: int, *, total: int) -> None:
        super().__init__(object_list, per_page)
        self._total = total

    @cached_property
    def count(self) -> int:
        return self._total


def claim_queue_for_biller(
    *, user: User, filters: QueueFilters, page_number: Any = 1, path: str = ""
) -> QueuePage:
    """One page of the filtered, sorted queue with the count of claims in each state.

    One access record names the patients of the page's claims.
    """
    _require_biller(user)
    counts = _counts(filters)
    total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    claims: Any = _filtered(filters, with_state=True)
    if _name_search(filters):
        claims = NameSearchClaims(claims, _ordering(filters, matches=total))
    else:
        claims = claims.order_by(*_ordering(filters)).values_list(*_ROW_FIELDS)
    page = CountedPaginator(claims, PAGE_SIZE, total=total).get_page(page_number)
    rows = list(page.object_list)  # before the lists: every clinician and payer it names is in them
    payers = list(Payer.objects.order_by("name").only("id", "name"))
    clinicians = list(
        Clinician.objects.select_related("user")
        .order_by("user__last_name", "user__first_name")
        .only("id", "credential", "user__first_name", "user__last_name", "user__username")
    )
    names = {c.pk: c.user.get_full_name() or c.user.username for c in clinicians}
    payer_names = {p.pk: p.name for p in payers}
    page.object_list = [_queue_row(r, clinicians=names, payers=payer_names) for r in rows]
    access_record_list(user=user, rows=Claim, patient_ids=[r.patient_id for r in page], path=path)
    return QueuePage(
        page=page, counts=counts, filters=filters, payers=payers, clinicians=clinicians
    )


# ----------------------------------------------------------------------------- hand-out
def _claimable() -> Q:
    stale = timezone.now() - CLAIM_HOLD
    return Q(claimed_by__isnull=True) | Q(claimed_at__lt=stale)


@transaction.atomic
def claim_next_for_biller(*, user: User) -> Claim | None:
    """Hand the biller the oldest queued claim nobody else holds (theirs stays theirs).

    On PostgreSQL ``skip_locked`` lets two billers pass each other without waiting; the
    guarded update is what makes the hand-out exclusive on every database.
    """
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers take claims from the queue.")
    mine = (
        Claim.objects.filter(state=S.QUEUED, claimed_by=user)
        .order_by("date_of_service", "id")
        .first()
    )
    if mine is not None:
        return mine
    for _attempt in range(5):
        candidate = (
            Claim.objects.select_for_update(skip_locked=True)
            .filter(_claimable(), state=S.QUEUED)
            .order_by("date_of_service", "id")
            .first()
        )
        if candidate is None:
            return None
        now = timezone.now()
        taken = Claim.objects.filter(_claimable(), pk=candidate.pk, state=S.QUEUED).update(
            claimed_by=user, claimed_at=now
        )
        if taken:
            candidate.claimed_by, candidate.claimed_at = user, now
            return candidate
    return None


# ----------------------------------------------------------------------------- bulk approve
def claims_bulk_approvable(claim_ids: Iterable[int]) -> list[Claim]:
    """The claims among ``claim_ids`` that bulk approval takes: queued and clean, and for a
    42 CFR Part 2 visit, with the patient's consent to disclose for payment on file."""
    ids = [int(i) for i in claim_ids]
    return list(
        Claim.objects.filter(pk__in=ids, state=S.QUEUED, scrub_status=ScrubStatus.CLEAN)
        .exclude(encounter__part2=True, patient__part2_consent_on__isnull=True)
        .select_related("patient", "encounter")
        .order_by("date_of_service", "id")
    )


def claims_bulk_approvable_for_biller(
    *, user: User, claim_ids: Iterable[int], path: str = ""
) -> list[Claim]:
    """The confirmation's list: the claims bulk approval takes, recording their patients."""
    _require_biller(user)
    claims = claims_bulk_approvable(claim_ids)
    access_record_list(user=user, rows=Claim, patient_ids=[c.patient_id for c in claims], path=path)
    return claims


@transaction.atomic
def claim_bulk_approve(*, user: User, claim_ids: Iterable[int]) -> int:
    """Approve every queued clean claim among ``claim_ids``; the number approved."""
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers approve claims.")
    approved = 0
    for claim in claims_bulk_approvable(claim_ids):
        try:
            claim_transition(
                user=user,
                claim=claim,
                to_state=S.APPROVED,
                version=claim.version,
                reason="Bulk approval of clean claims.",
            )
        except StaleClaimError:
            continue  # changed meanwhile: it stays for a look of its own
        approved += 1
    return approved
