"""How much of each prior authorization is used, counted from signed visits' claim lines,
and the check of one visit's lines against the authorizations on file (SC-AUTH).

Used is never typed: it is the claims of the authorization's coverage dated within its
dates, whose lines fall in its service families (``coding.engine.authorization``), counted
as visits (claims) or as the lines' units. Voided claims (void, or a void still to send)
do not count; a corrected claim is the same claim row sent again as a replacement
(frequency 7), so it counts once. Every signed visit has its claim (built at signing),
so a visit without one is a draft and uses nothing yet.

The encounter form's live panel (``coding``, below claims) reaches
``authorization_check_for_visit`` through the ``AUTHORIZATION_CHECK`` setting.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest
from django.db.models.lookups import Exact

from coding.engine.authorization import (
    FAMILY_CODES,
    SERVICE_FAMILIES,
    AuthorizationCheck,
    AuthorizationOnFile,
    ServiceFamily,
    check_authorizations,
    code_family,
)
from encounters.models import Authorization, AuthorizationCounts
from payers.models import Payer

from .models import ClaimLine, ClaimState

# Claims that use nothing: voided at the payer, or a void waiting to be sent.
UNCOUNTED_STATES = (ClaimState.VOID, ClaimState.VOID_PENDING)


def _counted_lines(exclude_claim_id: int | None) -> QuerySet[ClaimLine, Any]:
    """Claim lines that use the outer authorization: same coverage, within its dates, in one
    of its families, on a claim that is not voided."""
    in_families = Q()
    for family in SERVICE_FAMILIES:
        in_families |= Q(Exact(OuterRef(family), True), code__in=sorted(FAMILY_CODES[family]))
    lines = (
        ClaimLine.objects.filter(
            claim__coverage_id=OuterRef("coverage_id"),
            claim__date_of_service__gte=OuterRef("start_date"),
            claim__date_of_service__lte=OuterRef("end_date"),
        )
        .exclude(claim__state__in=UNCOUNTED_STATES)
        .filter(in_families)
    )
    if exclude_claim_id is not None:
        lines = lines.exclude(claim_id=exclude_claim_id)
    return lines.order_by().values("claim__coverage_id")


def with_used(
    authorizations: QuerySet[Authorization], *, exclude_claim_id: int | None = None
) -> QuerySet[Authorization]:
    """``authorizations`` annotated with ``used`` (visits or units, as each one counts), in
    the same query (a correlated subquery for each way of counting)."""
    lines = _counted_lines(exclude_claim_id)
    visits = Subquery(lines.annotate(n=Count("claim_id", distinct=True)).values("n"))
    units = Subquery(lines.annotate(n=Sum("units")).values("n"))
    return authorizations.annotate(
        used=Case(
            When(counts=AuthorizationCounts.UNITS, then=Coalesce(units, Value(0))),
            default=Coalesce(visits, Value(0)),
            output_field=IntegerField(),
        ),
    )


def with_usage(
    authorizations: QuerySet[Authorization], *, exclude_claim_id: int | None = None
) -> QuerySet[Authorization]:
    """``authorizations`` annotated with ``used`` and ``remaining``, in the same query."""
    return with_used(authorizations, exclude_claim_id=exclude_claim_id).annotate(
        remaining=Greatest(F("authorized") - F("used"), Value(0))
    )


def on_file(authorization: Authorization) -> AuthorizationOnFile:
    """An authorization annotated by ``with_used`` (or ``with_usage``) as the engine reads it."""
    return AuthorizationOnFile(
        number=authorization.number,
        families=authorization.families,
        start=authorization.start_date,
        end=authorization.end_date,
        authorized=authorization.authorized,
        used=int(getattr(authorization, "used", 0) or 0),
        counts="units" if authorization.counts == AuthorizationCounts.UNITS else "visits",
    )


def required_families(payer: Payer | None) -> frozenset[ServiceFamily]:
    """The service families ``payer`` authorizes before the visit (payer data)."""
    if payer is None:
        return frozenset()
    return frozenset(f for f in SERVICE_FAMILIES if f in (payer.authorization_families or []))


def authorization_check_for_visit(
    *,
    coverage_id: int | None,
    payer: Payer | None,
    day: datetime.date,
    lines: Sequence[tuple[str, int]],
    exclude_claim_id: int | None = None,
) -> AuthorizationCheck:
    """SC-AUTH for one visit's ``(code, units)`` lines on ``day``: one query, and none at all
    when the payer authorizes none of the visit's services."""
    required = required_families(payer)
    billed = {code_family(code) for code, _units in lines}
    if coverage_id is None or not required.intersection(f for f in billed if f):
        return AuthorizationCheck()
    rows = _coverage_usage(coverage_id=coverage_id, exclude_claim_id=exclude_claim_id)
    return check_authorizations(
        lines=lines, day=day, required=required, on_file=[on_file(a) for a in rows]
    )


# Stand-ins for the coverage and the claim in the SQL built once below: ids no row has.
_COVERAGE = -7_000_000_001
_CLAIM = -7_000_000_002


@cache
def _coverage_usage_sql(*, excluding: bool) -> tuple[str, tuple[Any, ...]]:
    """``with_used`` of one coverage's authorizations as SQL and parameters, built once a
    process with stand-in ids: the ORM took several milliseconds to build this query (its
    correlated subqueries over the service families) on every refresh of the live panel,
    longer than the database took to answer it."""
    query = with_used(
        Authorization.objects.filter(coverage_id=_COVERAGE),
        exclude_claim_id=_CLAIM if excluding else None,
    ).query
    sql, params = query.sql_with_params()
    if _COVERAGE not in params or (excluding and _CLAIM not in params):
        raise RuntimeError("the usage query no longer takes the ids as parameters")
    return sql, tuple(params)


def _coverage_usage(*, coverage_id: int, exclude_claim_id: int | None) -> list[Authorization]:
    """The coverage's authorizations annotated with ``used`` (one query)."""
    sql, params = _coverage_usage_sql(excluding=exclude_claim_id is not None)
    ids = {_COVERAGE: coverage_id, _CLAIM: exclude_claim_id}
    bound = [ids.get(p, p) if type(p) is int else p for p in params]
    return list(Authorization.objects.raw(sql, bound))


def lines_of(rows: Iterable[ClaimLine]) -> list[tuple[str, int]]:
    return [(row.code, row.units) for row in rows]
