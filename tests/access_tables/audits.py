"""Access to the chart-audit URLs, per role.

Compliance staff alone open the audit months, the sampled charts and the exports;
a chart is reachable only through the month whose sample holds it. Prescribers see
the findings on their own charts and acknowledge them (another prescriber's finding
is 404). Billers and practice admins reach nothing here. A view that accepts only
POST answers 405 to a GET before any login check.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.utils import timezone

from tests.access_tables import UrlAccess, expect

ALL_405 = expect(anonymous=405, prescriber=405, biller=405, compliance=405, admin=405)
COMPLIANCE = expect(compliance=200)
PRESCRIBERS = expect(prescriber=200)  # each prescriber on their own findings

CHECKS_MET = {
    name: "met"
    for name in (
        "check_time_blocks",
        "check_psychotherapy_minutes",
        "check_em_level",
        "check_medication_review",
        "check_psychotherapy_documentation",
        "check_diagnoses",
        "check_signed_in_time",
    )
}


def _build(s):
    """Last month's sample holding the prescriber's signed chart, reviewed as over-coded."""
    from audits.sampling import previous_month
    from audits.services import Focus, audit_sample_draw, chart_review_save, focused_audit_start
    from tests.audits.helpers import signed_encounter

    month = previous_month(timezone.localdate())
    encounter = signed_encounter(month=month, clinician=s.prescriber.clinician, day=10)
    sample = audit_sample_draw(month=month)
    review = chart_review_save(
        user=s.user("compliance"),
        item=sample.items.get(encounter=encounter),
        data={
            **CHECKS_MET,
            "outcome": "over_coded",
            "reviewer_code": "99213",
            "comment": "MDM supports a lower level.",
        },
    )
    focused = focused_audit_start(
        user=s.user("compliance"),
        focus=Focus(date_from=month, date_to=month.replace(day=28)),
        size=5,
    )
    return SimpleNamespace(
        month=month, encounter=encounter, sample=sample, review=review, focused=focused
    )


def _audit(s):
    return s.cached("audit", _build)


def _month(s):
    return {"month": _audit(s).month}


def _chart(s):
    return {"month": _audit(s).month, "encounter_id": _audit(s).encounter.pk}


def _focused(s):
    return {"sample_id": _audit(s).focused.pk}


def _focused_chart(s):
    return {"sample_id": _audit(s).focused.pk, "encounter_id": _audit(s).encounter.pk}


ACCESS: dict[str, UrlAccess] = {
    "audits:audit-home": UrlAccess(get=COMPLIANCE),
    "audits:sample-draw": UrlAccess(
        get=ALL_405,
        post=expect(compliance=302),  # the month is drawn already: its stored sample
        post_data=lambda s: {"month": f"{_audit(s).month:%Y-%m}"},
    ),
    "audits:sample-detail": UrlAccess(get=COMPLIANCE, kwargs=_month),
    "audits:sample-findings-csv": UrlAccess(get=COMPLIANCE, kwargs=_month),
    "audits:sample-report-pdf": UrlAccess(get=COMPLIANCE, kwargs=_month),
    "audits:chart-review": UrlAccess(
        get=COMPLIANCE,
        kwargs=_chart,
        post=COMPLIANCE,  # an empty review comes back with its errors
        shows=lambda s: _audit(s).encounter,
    ),
    "audits:sample-ratstats-frame": UrlAccess(get=COMPLIANCE, kwargs=_month),
    "audits:sample-ratstats-sample": UrlAccess(get=COMPLIANCE, kwargs=_month),
    "audits:focused-start": UrlAccess(
        get=ALL_405,
        post=COMPLIANCE,  # an empty form comes back with its errors
    ),
    "audits:sample-detail-by-id": UrlAccess(get=COMPLIANCE, kwargs=_focused),
    "audits:sample-findings-csv-by-id": UrlAccess(get=COMPLIANCE, kwargs=_focused),
    "audits:sample-report-pdf-by-id": UrlAccess(get=COMPLIANCE, kwargs=_focused),
    "audits:sample-ratstats-frame-by-id": UrlAccess(get=COMPLIANCE, kwargs=_focused),
    "audits:sample-ratstats-sample-by-id": UrlAccess(get=COMPLIANCE, kwargs=_focused),
    "audits:chart-review-by-id": UrlAccess(
        get=COMPLIANCE,
        kwargs=_focused_chart,
        post=COMPLIANCE,  # an empty review comes back with its errors
        shows=lambda s: _audit(s).encounter,
    ),
    "audits:finding-list": UrlAccess(get=PRESCRIBERS),
    "audits:finding-acknowledge": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {"review_id": _audit(s).review.pk},
        post=expect(prescriber=302, other_prescriber=404),
    ),
}
