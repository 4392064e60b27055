"""The billing dashboard drawn: horizontal bar charts as server-rendered SVG and a CSV file of
each table. Nothing here queries the database: it reads the ``claims.dashboard.Dashboard``
already fetched, so the page and its CSV files show the same figures.

Each chart is an ``<svg role="img">`` with a ``<title>``; the page shows the same data as a
table beside it, which is what a screen reader (or a spreadsheet) reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from html import escape

from accounts.csv_export import csv_document

from .dashboard import Dashboard
from .figures import AGING_BUCKETS

# Bucket colours, light to dark as claims age (each has contrast against white).
AGING_COLOURS = ("#2f7d4a", "#8a6d00", "#b45309", "#b02a37")
TABLES = {
    "summary": "Headline figures",
    "aging": "A/R aging by payer",
    "denials": "Denials by CARC, payer, clinician and code",
    "causes": "Top denial causes",
}


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def _svg_open(chart_id: str, title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" '
        f'aria-labelledby="{chart_id}-title" font-family="Helvetica, Arial, sans-serif" '
        'font-size="12">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
    ]


def aging_svg(dashboard: Dashboard) -> str:
    """Stacked horizontal bars: each payer's A/R balance split into the aging buckets."""
    rows = dashboard.aging
    width, left, right, bar, gap, top = 680, 150, 90, 22, 10, 28
    height = top + max(len(rows), 1) * (bar + gap) + 10
    largest = max((r.total_amount for r in rows), default=Decimal(0)) or Decimal(1)
    scale = (width - left - right) / float(largest)
    parts = _svg_open("aging-chart", "A/R balance by payer and days since service", width, height)
    x = float(left)
    for bucket, colour in zip(AGING_BUCKETS, AGING_COLOURS, strict=True):
        parts.append(
            f'<rect x="{x:.0f}" y="6" width="12" height="12" fill="{colour}"/>'
            f'<text x="{x + 16:.0f}" y="16" fill="#212529">{escape(bucket)} days</text>'
        )
        x += 95
    if not rows:
        parts.append(f'<text x="{left}" y="{top + 16}" fill="#495057">No claims in A/R.</text>')
    for n, row in enumerate(rows):
        y = top + n * (bar + gap)
        parts.append(
            f'<text x="{left - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" fill="#212529">'
            f"{escape(row.payer[:22])}</text>"
        )
        x = float(left)
        for bucket, amount, count, colour in zip(
            AGING_BUCKETS, row.amounts, row.counts, AGING_COLOURS, strict=True
        ):
            w = float(amount) * scale
            if w <= 0:
                continue
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar}" fill="{colour}">'
                f"<title>{escape(row.payer)}, {bucket} days: {count} claims, "
                f"${amount:,.2f}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{x + 6:.1f}" y="{y + bar * 0.7:.1f}" fill="#212529">'
            f"${row.total_amount:,.0f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def causes_svg(dashboard: Dashboard) -> str:
    """Horizontal bars of the top denial causes by claims denied, with their dollars."""
    causes = dashboard.top_causes
    width, left, right, bar, gap, top = 680, 70, 170, 20, 8, 8
    height = top + max(len(causes), 1) * (bar + gap) + 6
    largest = max((c.claims for c in causes), default=0) or 1
    scale = (width - left - right) / largest
    parts = _svg_open("causes-chart", "Top denial causes: claims denied per CARC", width, height)
    if not causes:
        parts.append(f'<text x="{left}" y="{top + 14}" fill="#495057">No denials.</text>')
    for n, cause in enumerate(causes):
        y = top + n * (bar + gap)
        w = cause.claims * scale
        parts.append(
            f'<text x="{left - 6}" y="{y + bar * 0.7:.1f}" text-anchor="end" fill="#212529">'
            f"CARC {escape(cause.carc)}</text>"
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar}" fill="#b02a37">'
            f"<title>CARC {escape(cause.carc)}: {cause.claims} claims, "
            f"${cause.dollars:,.2f} unpaid</title></rect>"
            f'<text x="{left + w + 6:.1f}" y="{y + bar * 0.7:.1f}" fill="#212529">'
            f"{cause.claims} claims · ${cause.dollars:,.2f}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _rules_text(rules: Sequence[tuple[str, int, str]]) -> str:
    return " ".join(f"{rule} ({count})" for rule, count, _ in rules)


def _ratio(value: float | None) -> float | str:
    return "" if value is None else round(value, 4)


def dashboard_csv(dashboard: Dashboard, table: str) -> str:
    """The CSV of one table of the page (a key of ``TABLES``); amounts and counts as numbers."""
    h = dashboard.headline
    if table == "summary":
        ar_from = f"{h.ar_balance} / ({h.period_charges} / {h.period_days})"
        first_from = f"{h.first_pass_accepted} / {h.first_pass_decided}"
        ncr_from = f"{h.payments} / ({h.adjudicated_charges} - {h.contractual})"
        rows: list[list[object]] = [
            ["Days in A/R", _ratio(h.days_in_ar), ar_from],
            ["A/R balance", h.ar_balance, f"{h.ar_claims} claims"],
            ["First-pass acceptance rate", _ratio(h.first_pass_rate), first_from],
            ["Denial rate", _ratio(h.denial_rate), f"{h.denied} / {h.adjudicated}"],
            ["Net collection rate", _ratio(h.net_collection_rate), ncr_from],
        ]
        return csv_document(["Figure", "Value", "Computed from"], rows)
    if table == "aging":
        header = ["Payer", *(f"{b} claims" for b in AGING_BUCKETS)]
        header += [f"{b} balance" for b in AGING_BUCKETS] + ["Claims", "Balance"]
        aging = [*dashboard.aging, dashboard.aging_total]
        return csv_document(
            header,
            [[r.payer, *r.counts, *r.amounts, r.total_count, r.total_amount] for r in aging],
        )
    if table == "denials":
        header = ["CARC", "Payer", "Clinician", "Code", "Denied claims", "Adjudicated claims"]
        header += ["Denial rate", "Denied charges"]
        return csv_document(
            header,
            [
                [c.carc, c.payer, c.clinician, c.code, c.denied, c.adjudicated]
                + [_ratio(c.rate), c.denied_charges]
                for c in dashboard.combinations
            ],
        )
    if table == "causes":
        header = ["CARC", "Explanation", "Claims denied", "Unpaid dollars"]
        header += ["Scrubber findings (claims)", "Engine rule ids (claims)"]
        return csv_document(
            header,
            [
                [c.carc, c.explanation, c.claims, c.dollars]
                + [_rules_text(c.findings), _rules_text(c.rules)]
                for c in dashboard.causes
            ],
        )
    raise KeyError(table)


@dataclass(frozen=True)
class Card:
    """One headline figure as the page shows it: value, how it was computed, its claims."""

    key: str
    label: str
    value: str
    detail: str
    link: str
    link_label: str


def headline_cards(dashboard: Dashboard) -> list[Card]:
    h = dashboard.headline
    days = "n/a" if h.days_in_ar is None else f"{h.days_in_ar:.1f}"
    daily = h.average_daily_charges
    daily_text = "no charges sent" if daily is None else f"${daily:,.2f} a day"
    return [
        Card(
            "days-in-ar",
            "Days in A/R",
            days,
            f"${h.ar_balance:,.2f} outstanding ÷ {daily_text} "
            f"(${h.period_charges:,.2f} sent over {h.period_days} days)",
            h.links["ar"],
            f"{h.ar_claims} claims in A/R",
        ),
        Card(
            "first-pass",
            "First-pass acceptance",
            percent(h.first_pass_rate),
            f"{h.first_pass_accepted} of {h.first_pass_decided} claims answered",
            h.links["first-pass"],
            f"{h.first_pass_accepted} accepted first time",
        ),
        Card(
            "denial-rate",
            "Denial rate",
            percent(h.denial_rate),
            f"{h.denied} denied of {h.adjudicated} adjudicated claims",
            h.links["denied"],
            f"{h.denied} denied claims",
        ),
        Card(
            "net-collection",
            "Net collection rate",
            percent(h.net_collection_rate),
            f"${h.payments:,.2f} paid ÷ (${h.adjudicated_charges:,.2f} charged − "
            f"${h.contractual:,.2f} contractual)",
            h.links["adjudicated"],
            f"{h.adjudicated} adjudicated claims",
        ),
    ]
