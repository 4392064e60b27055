"""The billing dashboard: days in A/R, A/R aging by payer, first-pass acceptance, denials by
CARC, payer, clinician and code, net collection rate and the top denial causes traced to the
scrubber findings and engine rule ids on the denied claims.

Every figure is an aggregate the database computes over the claim sets of
``claims.figures``. On PostgreSQL it sums ``DashboardTotal``, the claims' totals per month
(per day for A/R aging), payer, clinician, state and CARC that triggers keep in the same
transaction as every change to a claim (``claims/0013``): the page reads a row per group,
whose number grows with the months, payers and clinicians, not with the claims. On SQLite
(the demo) it aggregates the claims themselves (``billing_dashboard_from_claims``, which the
tests hold the totals to). Either way the page runs a fixed number of queries and Python only
shapes the grouped rows. The figures count claims, never show a patient, so the page writes
no access record; the claims behind a figure open on the claim queue (``queue_link``), which
records the patients it lists.
The README's "Billing dashboard" section defines each figure."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.http import urlencode

from accounts.models import Clinician
from accounts.roles import Role, role_of
from coding.models import SignedProposal
from payers.models import Payer

from .adjustment_codes import adjustment_code
from .era import FULL_PAYMENT_CARCS
from .figures import (
    AGING_BUCKETS,
    adjudicated,
    aged,
    denied,
    first_pass_accepted,
    first_pass_decided,
    in_ar,
    sent,
)
from .models import Claim, ClaimLine, DashboardKind, DashboardTotal, PaymentAdjustment

ZERO = Decimal("0.00")
MONEY: DecimalField[Decimal, Decimal] = DecimalField(max_digits=14, decimal_places=2)
# Without a month, days in A/R averages the charges of the last 90 days.
DEFAULT_PERIOD_DAYS = 90
TOP_CAUSES = 10


@dataclass(frozen=True)
class DashboardFilters:
    payer: int | None = None
    clinician: int | None = None
    month: datetime.date | None = None  # the first day of a month of dates of service

    @property
    def month_end(self) -> datetime.date | None:
        if self.month is None:
            return None
        days = calendar.monthrange(self.month.year, self.month.month)[1]
        return self.month.replace(day=days)

    def query(self) -> dict[str, str]:
        """These filters as claim-queue parameters (a month is its first and last day)."""
        params = {"state": ""}  # the queue opens on queued claims unless told otherwise
        if self.payer:
            params["payer"] = str(self.payer)
        if self.clinician:
            params["clinician"] = str(self.clinician)
        if self.month is not None and self.month_end is not None:
            params["date_from"] = self.month.isoformat()
            params["date_to"] = self.month_end.isoformat()
        return params


@cache
def _queue_path(urlconf: str | None, prefix: str) -> str:
    return reverse("claims:claim-queue", urlconf=urlconf)


def queue_link(filters: DashboardFilters, **params: object) -> str:
    """The claim queue listing exactly the claims behind a figure: the dashboard's filters
    plus the figure's own (``figure``, ``payer``, ``clinician``, ``carc``, ``code``, ...)."""
    query = filters.query() | {k: str(v) for k, v in params.items() if v not in (None, "")}
    # reversed once per URLconf and script prefix: a long denial table has hundreds of links
    return _queue_path(get_urlconf(), get_script_prefix()) + "?" + urlencode(query)


def _rate(part: int | Decimal, whole: int | Decimal) -> float | None:
    return None if not whole else float(part) / float(whole)


@dataclass(frozen=True)
class Headline:
    """The dashboard's headline figures over the filtered claims."""

    ar_claims: int
    ar_balance: Decimal
    period_days: int
    period_charges: Decimal
    first_pass_accepted: int
    first_pass_decided: int
    adjudicated: int
    denied: int
    adjudicated_charges: Decimal
    payments: Decimal
    contractual: Decimal
    links: dict[str, str]  # figure key of claims.figures -> the queue listing its claims

    @property
    def average_daily_charges(self) -> Decimal | None:
        if not self.period_charges:
            return None
        return self.period_charges / self.period_days

    @property
    def days_in_ar(self) -> float | None:
        daily = self.average_daily_charges
        return None if daily is None else float(self.ar_balance / daily)

    @property
    def first_pass_rate(self) -> float | None:
        return _rate(self.first_pass_accepted, self.first_pass_decided)

    @property
    def denial_rate(self) -> float | None:
        return _rate(self.denied, self.adjudicated)

    @property
    def net_collection_rate(self) -> float | None:
        return _rate(self.payments, self.adjudicated_charges - self.contractual)


@dataclass(frozen=True)
class AgingRow:
    payer_id: int | None
    payer: str
    counts: tuple[int, ...]  # per bucket of AGING_BUCKETS
    amounts: tuple[Decimal, ...]
    links: tuple[str, ...]  # per bucket
    total_link: str

    @property
    def cells(self) -> list[tuple[str, int, Decimal, str]]:
        """(bucket, claims, balance, link) per bucket, for the table."""
        return list(zip(AGING_BUCKETS, self.counts, self.amounts, self.links, strict=True))

    @property
    def total_count(self) -> int:
        return sum(self.counts)

    @property
    def total_amount(self) -> Decimal:
        return sum(self.amounts, ZERO)


@dataclass(frozen=True)
class DenialCombination:
    """Denials of one CARC among the adjudicated claims of one payer, clinician and code."""

    payer_id: int | None
    payer: str
    clinician_id: int
    clinician: str
    code: str
    carc: str
    denied: int
    adjudicated: int  # claims of this payer, clinician and code the payer answered
    denied_charges: Decimal  # the charges of this code's lines on the denied claims
    filters: DashboardFilters

    @property
    def rate(self) -> float | None:
        return _rate(self.denied, self.adjudicated)

    def _params(self) -> dict[str, object]:
        return {
            "payer": self.payer_id,
            "no_payer": "" if self.payer_id else "1",
            "clinician": self.clinician_id,
            "code": self.code,
        }

    @property
    def link(self) -> str:
        """The claims denied with this CARC (built when shown: the table may be long)."""
        return queue_link(self.filters, figure="denied", carc=self.carc, **self._params())

    @property
    def adjudicated_link(self) -> str:
        return queue_link(self.filters, figure="adjudicated", **self._params())


@dataclass(frozen=True)
class DenialCause:
    """A CARC behind denials: how many claims, the dollars left unpaid, and the scrubber
    findings and engine rule ids on those claims (rule id, claims carrying it)."""

    carc: str
    explanation: str
    claims: int
    dollars: Decimal
    link: str
    findings: tuple[tuple[str, int, str], ...]  # (rule id, claims, link)
    rules: tuple[tuple[str, int, str], ...]


@dataclass(frozen=True)
class Dashboard:
    filters: DashboardFilters
    today: datetime.date
    headline: Headline
    aging: tuple[AgingRow, ...]
    combinations: tuple[DenialCombination, ...]
    causes: tuple[DenialCause, ...]

    @property
    def aging_total(self) -> AgingRow:
        buckets = range(len(AGING_BUCKETS))
        return AgingRow(
            payer_id=None,
            payer="All payers",
            counts=tuple(sum(r.counts[i] for r in self.aging) for i in buckets),
            amounts=tuple(sum((r.amounts[i] for r in self.aging), ZERO) for i in buckets),
            links=tuple(queue_link(self.filters, figure=f"ar-{b}") for b in AGING_BUCKETS),
            total_link=queue_link(self.filters, figure="ar"),
        )

    @property
    def top_causes(self) -> tuple[DenialCause, ...]:
        return self.causes[:TOP_CAUSES]


def _require_biller(user: User) -> None:
    if role_of(user) != Role.BILLER:
        raise PermissionDenied("Only billers see the billing dashboard.")


def _scope(filters: DashboardFilters) -> Q:
    """The claims the filters select, as a condition on the claim row."""
    scope = Q()
    if filters.payer:
        scope &= Q(payer_id=filters.payer)
    if filters.clinician:
        scope &= Q(clinician_id=filters.clinician)
    if filters.month is not None:
        scope &= Q(date_of_service__range=(filters.month, filters.month_end))
    return scope


def _claims(filters: DashboardFilters) -> QuerySet[Claim]:
    return Claim.objects.filter(_scope(filters)).order_by()


def _through(condition: Q, relation: str) -> Q:
    """``condition`` on the claim, reached from another model through ``relation``."""
    out = Q()
    out.connector, out.negated = condition.connector, condition.negated
    children: list[Any] = []
    for child in condition.children:
        if isinstance(child, Q):
            children.append(_through(child, relation))
        else:
            lookup, value = cast(tuple[str, Any], child)
            children.append((f"{relation}__{lookup}", value))
    out.children = children
    return out


def _balance() -> Any:
    """What the payer has not paid of a claim's charge."""
    return F("total_charge") - Coalesce("paid_amount", Value(ZERO), output_field=MONEY)


def _money(value: Decimal | None) -> Decimal:
    return ZERO if value is None else Decimal(value).quantize(Decimal("0.01"))


def _period(filters: DashboardFilters, today: datetime.date) -> tuple[Q, int]:
    """The dates of service whose charges days in A/R averages, and how many days they span."""
    if filters.month is not None and filters.month_end is not None:
        return Q(), (filters.month_end - filters.month).days + 1
    start = today - datetime.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
    return Q(date_of_service__range=(start, today)), DEFAULT_PERIOD_DAYS


def _headline_of(
    totals: dict[str, Any], contractual: Decimal | None, filters: DashboardFilters, days: int
) -> Headline:
    return Headline(
        ar_claims=totals["ar_claims"] or 0,
        ar_balance=_money(totals["ar_balance"]),
        period_days=days,
        period_charges=_money(totals["period_charges"]),
        first_pass_accepted=totals["fp_accepted"] or 0,
        first_pass_decided=totals["fp_decided"] or 0,
        adjudicated=totals["adjudicated"] or 0,
        denied=totals["denied"] or 0,
        adjudicated_charges=_money(totals["adjudicated_charges"]),
        payments=_money(totals["payments"]),
        contractual=_money(contractual),
        links={
            key: queue_link(filters, figure=key)
            for key in ("ar", "sent", "first-pass", "first-pass-decided", "adjudicated", "denied")
        },
    )


def _headline_columns(count: Callable[[Q], Any], period: Q) -> dict[str, Any]:
    """The headline's sums over claims or totals rows; ``count`` counts the rows' claims."""
    return {
        "ar_claims": count(in_ar()),
        "ar_balance": Sum(_balance(), filter=in_ar(), output_field=MONEY),
        "period_charges": Sum("total_charge", filter=sent() & period),
        "fp_accepted": count(first_pass_accepted()),
        "fp_decided": count(first_pass_decided()),
        "adjudicated": count(adjudicated()),
        "denied": count(denied()),
        "adjudicated_charges": Sum("total_charge", filter=adjudicated()),
        "payments": Sum("paid_amount", filter=adjudicated()),
    }


def _headline(claims: QuerySet[Claim], filters: DashboardFilters, today: datetime.date) -> Headline:
    period, days = _period(filters, today)
    totals = claims.aggregate(**_headline_columns(lambda q: Count("id", filter=q), period))
    contractual = (
        PaymentAdjustment.objects.filter(
            group="CO",
            carc__in=FULL_PAYMENT_CARCS,
            payment__reversal=False,
            payment__reversed_by__isnull=True,
        )
        .filter(_through(_scope(filters) & adjudicated(), "payment__claim"))
        .aggregate(total=Sum("amount"))["total"]
    )
    return _headline_of(totals, contractual, filters, days)


def _aging_row(
    payer_id: int | None,
    payer: str | None,
    counts: tuple[int, ...],
    amounts: tuple[Decimal | None, ...],
    filters: DashboardFilters,
) -> AgingRow:
    no_payer = "" if payer_id else "1"  # the queue's "no coverage" filter
    return AgingRow(
        payer_id=payer_id,
        payer=payer or "No coverage",
        counts=counts,
        amounts=tuple(_money(amount) for amount in amounts),
        links=tuple(
            queue_link(filters, figure=f"ar-{b}", payer=payer_id, no_payer=no_payer)
            for b in AGING_BUCKETS
        ),
        total_link=queue_link(filters, figure="ar", payer=payer_id, no_payer=no_payer),
    )


def _aging(
    claims: QuerySet[Claim], filters: DashboardFilters, today: datetime.date
) -> tuple[AgingRow, ...]:
    columns: dict[str, Any] = {}
    for i, bucket in enumerate(AGING_BUCKETS):
        columns[f"n{i}"] = Count("id", filter=aged(bucket, today))
        columns[f"a{i}"] = Sum(_balance(), filter=aged(bucket, today), output_field=MONEY)
    rows = (
        claims.filter(in_ar())
        .values("payer_id", "payer__name")
        .annotate(**columns)
        .order_by("payer__name", "payer_id")
    )
    buckets = range(len(AGING_BUCKETS))
    return tuple(
        _aging_row(
            row["payer_id"],
            row["payer__name"],
            tuple(row[f"n{i}"] for i in buckets),
            tuple(row[f"a{i}"] for i in buckets),
            filters,
        )
        for row in rows
    )


def _clinician_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _combinations_of(
    rows: list[tuple[Any, ...]], filters: DashboardFilters, names: Names
) -> tuple[DenialCombination, ...]:
    """The denial table from (payer, clinician, code, CARC, adjudicated claims, charges) rows:
    the rows of a payer, clinician and code together are its adjudicated claims."""
    adjudicated_claims: dict[tuple[Any, ...], int] = {}
    for payer_id, clinician_id, code, _, n, _ in rows:
        key = (payer_id, clinician_id, code)
        adjudicated_claims[key] = adjudicated_claims.get(key, 0) + n
    combinations = [
        DenialCombination(
            payer_id=payer_id,
            payer=names.payers.get(payer_id, "No coverage"),
            clinician_id=clinician_id,
            clinician=names.clinicians.get(clinician_id, "?"),
            code=code,
            carc=carc,
            denied=n,
            adjudicated=adjudicated_claims[(payer_id, clinician_id, code)],
            denied_charges=_money(charges),
            filters=filters,
        )
        for payer_id, clinician_id, code, carc, n, charges in rows
        if carc
    ]
    combinations.sort(
        key=lambda c: (
            (-c.denied, -c.denied_charges, c.payer, c.clinician, c.code)
            # ties as the database grouped them (payer, clinician, code, CARC)
            + (c.payer_id is None, c.payer_id or 0, c.clinician_id, c.carc)
        )
    )
    return tuple(combinations)


def _combinations(filters: DashboardFilters, names: Names) -> tuple[DenialCombination, ...]:
    """Per payer, clinician, code and CARC: claims of the adjudicated set (one GROUP BY)."""
    rows = (
        # joined to its claim (not "claim IN (...)"): one scan of the claims, not two
        ClaimLine.objects.filter(_through(_scope(filters) & adjudicated(), "claim"))
        .values("claim__payer_id", "claim__clinician_id", "code", "claim__denial_code")
        .annotate(n=Count("claim_id", distinct=True), charges=Sum("charge"))
        .order_by()
    )
    keys = ("claim__payer_id", "claim__clinician_id", "code", "claim__denial_code", "n", "charges")
    return _combinations_of([tuple(row[k] for k in keys) for row in rows], filters, names)


# The rule ids held in a JSON list on each denied claim, counted per CARC in the database:
# PostgreSQL unnests jsonb, SQLite walks the text with json_each. ``{claims}`` is the denied
# claims' own SELECT (id, denial_code, findings, encounter_id), so the claims are read once.
_FINDINGS_SQL = {
    "postgresql": (
        "SELECT c.denial_code, f.value ->> 'rule', COUNT(DISTINCT c.id) FROM ({claims}) c "
        "CROSS JOIN LATERAL jsonb_array_elements(CASE WHEN jsonb_typeof(c.findings) = 'array' "
        "THEN c.findings ELSE '[]'::jsonb END) f GROUP BY 1, 2"
    ),
    "sqlite": (
        "SELECT c.denial_code, json_extract(f.value, '$.rule'), COUNT(DISTINCT c.id) "
        "FROM ({claims}) c, json_each(c.findings) f GROUP BY 1, 2"
    ),
}
_RULES_SQL = {
    "postgresql": (
        "SELECT c.denial_code, r.value, COUNT(DISTINCT c.id) FROM ({claims}) c "
        "JOIN {signed} s ON s.encounter_id = c.encounter_id "
        "CROSS JOIN LATERAL jsonb_array_elements_text(CASE WHEN jsonb_typeof(s.rule_ids) = "
        "'array' THEN s.rule_ids ELSE '[]'::jsonb END) r(value) GROUP BY 1, 2"
    ),
    "sqlite": (
        "SELECT c.denial_code, r.value, COUNT(DISTINCT c.id) FROM ({claims}) c "
        "JOIN {signed} s ON s.encounter_id = c.encounter_id, json_each(s.rule_ids) r "
        "GROUP BY 1, 2"
    ),
}


def _rule_lists(rows: Iterable[tuple[Any, Any, Any]]) -> dict[str, list[tuple[str, int]]]:
    """{CARC: [(rule id, claims), ...]}, most claims first, from (CARC, rule, claims) rows."""
    out: dict[str, list[tuple[str, int]]] = {}
    for carc, rule, count in rows:
        if rule:
            out.setdefault(carc, []).append((str(rule), int(count)))
    for found in out.values():
        found.sort(key=lambda item: (-item[1], item[0]))
    return out


def _rule_counts(template: dict[str, str], denied: QuerySet[Claim]) -> dict[str, list[Any]]:
    """{CARC: [(rule id, claims), ...]}, most claims first, from one grouped query."""
    columns = denied.values("id", "denial_code", "findings", "encounter_id")
    claims_sql, params = columns.query.sql_with_params()
    sql = template[connection.vendor].format(
        claims=claims_sql, signed=SignedProposal._meta.db_table
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return _rule_lists(cursor.fetchall())


def _causes_of(
    rows: Iterable[tuple[str, int, Decimal | None]],
    findings: dict[str, list[tuple[str, int]]],
    rules: dict[str, list[tuple[str, int]]],
    filters: DashboardFilters,
) -> tuple[DenialCause, ...]:
    """The denial causes from (CARC, claims, unpaid dollars) rows, most claims first."""
    causes = []
    for carc, n, dollars in rows:
        known = adjustment_code("CARC", carc)
        causes.append(
            DenialCause(
                carc=carc,
                explanation=known.explanation if known else "",
                claims=n,
                dollars=_money(dollars),
                link=queue_link(filters, figure="denied", carc=carc),
                findings=tuple(
                    (rule, n, queue_link(filters, figure="denied", carc=carc, finding=rule))
                    for rule, n in findings.get(carc, ())
                ),
                rules=tuple(
                    (rule, n, queue_link(filters, figure="denied", carc=carc, rule=rule))
                    for rule, n in rules.get(carc, ())
                ),
            )
        )
    return tuple(causes)


def _causes(claims: QuerySet[Claim], filters: DashboardFilters) -> tuple[DenialCause, ...]:
    denied_claims = claims.filter(denied())
    rows = (
        denied_claims.values("denial_code")
        .annotate(n=Count("id"), dollars=Sum(_balance(), output_field=MONEY))
        .order_by("-n", "-dollars", "denial_code")
        .values_list("denial_code", "n", "dollars")
    )
    findings = _rule_counts(_FINDINGS_SQL, denied_claims)
    rules = _rule_counts(_RULES_SQL, denied_claims)
    return _causes_of(rows, findings, rules, filters)


@dataclass(frozen=True)
class Names:
    """The payers and clinicians by id, in the order the filters offer them."""

    payers: dict[int, str]
    clinicians: dict[int, str]


def dashboard_names(*, user: User) -> Names:
    """The payers and clinicians the filters offer and the tables name (two queries)."""
    _require_biller(user)
    clinicians = Clinician.objects.order_by("user__last_name", "user__first_name", "pk")
    return Names(
        payers=dict(Payer.objects.order_by("name", "pk").values_list("pk", "name")),
        clinicians={
            pk: _clinician_name(first, last, username)
            for pk, first, last, username in clinicians.values_list(
                "pk", "user__first_name", "user__last_name", "user__username"
            )
        },
    )


# ---------------------------------------------------------------- from the totals (PostgreSQL)
# The same figures from DashboardTotal, which triggers keep (claims/0013): the same
# conditions of claims.figures on its rows, the claims counted with Sum("claims"), and only
# groups that still hold claims (a group emptied by later changes keeps a row of zeros).
def _claims_in(condition: Q) -> Sum:
    return Sum("claims", filter=condition)


def _totals(filters: DashboardFilters, *kinds: str) -> QuerySet[DashboardTotal]:
    return DashboardTotal.objects.filter(_scope(filters), kind__in=kinds).order_by()


def _headline_from_totals(
    filters: DashboardFilters, today: datetime.date, period_charges: Decimal | None
) -> Headline:
    """The headline from the monthly rows; the charges of the last 90 days (without a month)
    come from the daily rows (``period_charges``)."""
    _, days = _period(filters, today)
    totals = _totals(filters, DashboardKind.CLAIM).aggregate(
        **_headline_columns(_claims_in, Q()),
        contractual=Sum("contractual", filter=adjudicated()),
    )
    if filters.month is None:
        totals["period_charges"] = period_charges
    return _headline_of(totals, totals["contractual"], filters, days)


def _aging_from_totals(
    filters: DashboardFilters, today: datetime.date, names: Names
) -> tuple[tuple[AgingRow, ...], Decimal | None]:
    """A/R aging by payer, and the charges sent in the last 90 days. The daily rows since
    the oldest bucket's start give the recent buckets; the oldest bucket is the rest of the
    payer's A/R (monthly rows)."""
    *recent, oldest = AGING_BUCKETS
    since = today - datetime.timedelta(days=AGING_BUCKETS[oldest][0] - 1)
    columns: dict[str, Any] = {
        "n": _claims_in(in_ar()),
        "a": Sum(_balance(), filter=in_ar(), output_field=MONEY),
        "period_charges": Sum("total_charge", filter=sent() & _period(filters, today)[0]),
    }
    for i, bucket in enumerate(recent):
        columns[f"n{i}"] = _claims_in(aged(bucket, today))
        columns[f"a{i}"] = Sum(_balance(), filter=aged(bucket, today), output_field=MONEY)
    daily = {
        row["payer_id"]: row
        for row in _totals(filters, DashboardKind.DAY)
        .filter(date_of_service__gte=since)
        .values("payer_id")
        .annotate(**columns)
    }
    in_ar_by_payer = (
        _totals(filters, DashboardKind.CLAIM)
        .filter(in_ar())
        .values("payer_id")
        .annotate(n=Sum("claims"), a=Sum(_balance(), output_field=MONEY))
        .filter(n__gt=0)
    )
    order = {payer_id: position for position, payer_id in enumerate(names.payers)}
    rows = []
    for row in sorted(in_ar_by_payer, key=lambda r: order.get(r["payer_id"], len(order))):
        day = daily.get(row["payer_id"], {})
        counts = [day.get(f"n{i}") or 0 for i in range(len(recent))]
        amounts = [_money(day.get(f"a{i}")) for i in range(len(recent))]
        counts.append(row["n"] - (day.get("n") or 0))
        amounts.append(_money(row["a"]) - _money(day.get("a")))
        payer = names.payers.get(row["payer_id"])
        rows.append(_aging_row(row["payer_id"], payer, tuple(counts), tuple(amounts), filters))
    charges = [row["period_charges"] for row in daily.values() if row["period_charges"] is not None]
    return tuple(rows), sum(charges, ZERO) if charges else None


def _combinations_from_totals(
    filters: DashboardFilters, names: Names
) -> tuple[DenialCombination, ...]:
    rows = (
        _totals(filters, DashboardKind.CODE)
        .filter(adjudicated())
        .values("payer_id", "clinician_id", "code", "denial_code")
        .annotate(n=Sum("claims"), charges=Sum("total_charge"))
        .filter(n__gt=0)
    )
    keys = ("payer_id", "clinician_id", "code", "denial_code", "n", "charges")
    return _combinations_of([tuple(row[k] for k in keys) for row in rows], filters, names)


def _causes_from_totals(filters: DashboardFilters) -> tuple[DenialCause, ...]:
    rows = (
        _totals(filters, DashboardKind.CLAIM)
        .filter(denied())
        .values("denial_code")
        .annotate(n=Sum("claims"), dollars=Sum(_balance(), output_field=MONEY))
        .filter(n__gt=0)
        .order_by("-n", "-dollars", "denial_code")
        .values_list("denial_code", "n", "dollars")
    )
    traced = list(
        _totals(filters, DashboardKind.FINDING, DashboardKind.RULE)
        .filter(denied())
        .values("kind", "denial_code", "code")
        .annotate(n=Sum("claims"))
        .filter(n__gt=0)
        .values_list("kind", "denial_code", "code", "n")
    )
    findings = _rule_lists(row[1:] for row in traced if row[0] == DashboardKind.FINDING)
    rules = _rule_lists(row[1:] for row in traced if row[0] == DashboardKind.RULE)
    return _causes_of(rows, findings, rules, filters)


def billing_dashboard(
    *, user: User, filters: DashboardFilters, today: datetime.date, names: Names
) -> Dashboard:
    """Every figure of the dashboard over the claims the filters select: six queries of the
    totals on PostgreSQL, seven of the claims on SQLite. ``names`` (``dashboard_names``)
    names the payers and clinicians of the tables."""
    _require_biller(user)
    if connection.vendor == "postgresql":
        aging, period_charges = _aging_from_totals(filters, today, names)
        return Dashboard(
            filters=filters,
            today=today,
            headline=_headline_from_totals(filters, today, period_charges),
            aging=aging,
            combinations=_combinations_from_totals(filters, names),
            causes=_causes_from_totals(filters),
        )
    return billing_dashboard_from_claims(filters=filters, today=today, names=names)


def billing_dashboard_from_claims(
    *, filters: DashboardFilters, today: datetime.date, names: Names
) -> Dashboard:
    """The dashboard computed from the claims themselves (SQLite; on PostgreSQL the tests
    hold the totals to it)."""
    claims = _claims(filters)
    return Dashboard(
        filters=filters,
        today=today,
        headline=_headline(claims, filters, today),
        aging=_aging(claims, filters, today),
        combinations=_combinations(filters, names),
        causes=_causes(claims, filters),
    )


def dashboard_totals_rebuild() -> int | None:
    """Recompute the dashboard's totals from the claims, folding every connection's rows of
    a group into one (writers to the claims wait until it is done): how many rows it left.
    None on SQLite, which keeps no totals."""
    if connection.vendor != "postgresql":
        return None
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT claims_dashboard_rebuild()")
    return DashboardTotal.objects.count()
