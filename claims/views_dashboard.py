"""The billing dashboard for billers: figures, charts and their tables, each table as CSV.

Thin view: the form reads the filters (a bad value is an error beside its field, and that
filter is left out), ``claims.dashboard`` computes the figures in a fixed number of queries
and ``claims.dashboard_render`` draws the charts and writes the CSV files.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from accounts.decorators import role_required
from accounts.http import AuthenticatedRequest
from accounts.roles import Role

from . import dashboard
from .dashboard_render import TABLES, aging_svg, causes_svg, dashboard_csv, headline_cards, percent
from .figures import AGING_BUCKETS
from .forms import DashboardFilterForm

SHOWN_COMBINATIONS = 50


@require_GET
@role_required(Role.BILLER)
def billing_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Days in A/R, aging by payer, first pass, denials and collections; CSV of each table."""
    form = DashboardFilterForm(request.GET)
    names = dashboard.dashboard_names(user=request.user)
    form.set_choices(payers=names.payers.items(), clinicians=names.clinicians.items())
    board = dashboard.billing_dashboard(
        user=request.user, filters=form.filters(), today=timezone.localdate(), names=names
    )
    data = getattr(form, "cleaned_data", {})
    if not form.errors and data.get("format") == "csv":
        month = f"-{board.filters.month:%Y-%m}" if board.filters.month else ""
        response = HttpResponse(
            dashboard_csv(board, data["table"]), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="billing-{data["table"]}{month}.csv"'
        )
        return response
    context = {
        "form": form,
        "board": board,
        "buckets": list(AGING_BUCKETS),
        "cards": headline_cards(board),
        # the page shows the most denied combinations; the CSV file has them all
        "combinations": [(c, percent(c.rate)) for c in board.combinations[:SHOWN_COMBINATIONS]],
        "more_combinations": max(0, len(board.combinations) - SHOWN_COMBINATIONS),
        "tables": TABLES,
        "aging_svg": aging_svg(board),
        "causes_svg": causes_svg(board),
        "filter_query": urlencode(_own_query(board.filters)),
    }
    return render(request, "claims/billing_dashboard.html", context)


def _own_query(filters: dashboard.DashboardFilters) -> dict[str, str]:
    """The dashboard's valid filters as its own query string (for the CSV links)."""
    out = {}
    if filters.payer:
        out["payer"] = str(filters.payer)
    if filters.clinician:
        out["clinician"] = str(filters.clinician)
    if filters.month:
        out["month"] = f"{filters.month:%Y-%m}"
    return out
