"""Which lines count as billed (the payer's claim, else the signed choice); the report's fetch."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from audits.reports import month_report
from audits.selectors import billed_lines, chosen_lines, claim_lines, month_report_info_fetch


class Lines(list):
    def all(self):
        return self


def encounter(*, claim=None, chosen=None):
    fields = {}
    if claim is not None:
        fields["claim"] = SimpleNamespace(
            lines=Lines(SimpleNamespace(code=c, units=1, modifiers=m) for c, m in claim)
        )
    if chosen is not None:
        fields["signed_proposal"] = SimpleNamespace(chosen_lines=chosen)
    return SimpleNamespace(**fields)


def test_claim_lines_are_the_billed_lines_when_a_claim_exists():
    e = encounter(
        claim=[("99214", ["25"]), ("90833", [])],
        chosen=[{"code": "99214", "units": 1, "modifiers": []}],
    )
    assert billed_lines(e) == [
        {"code": "99214", "units": 1, "modifiers": ["25"]},
        {"code": "90833", "units": 1, "modifiers": []},
    ]
    assert chosen_lines(e) == [{"code": "99214", "units": 1, "modifiers": []}]


def test_without_a_claim_the_codes_chosen_at_signing_are_billed():
    e = encounter(chosen=[{"code": "90834", "units": 1, "modifiers": []}])
    assert claim_lines(e) is None
    assert billed_lines(e) == [{"code": "90834", "units": 1, "modifiers": []}]


def test_nothing_stored_means_nothing_billed():
    assert billed_lines(encounter()) == []


# --- the month report's fetch: one query set whatever the sample's size -------------------

# The sampled charts with encounter, clinician, signed proposal, claim and review (with
# reviewer and acknowledger) in one joined query, the claims' lines, the trend's counts.
REPORT_QUERIES = 4  # charts (with reviews), claim lines, the 12-month counts, prescribers


@pytest.mark.parametrize("charts", [1, 9])
def test_month_report_costs_three_queries_however_many_charts(
    reviewed_sample, charts, django_assert_num_queries
):
    sample = reviewed_sample(charts)
    with django_assert_num_queries(REPORT_QUERIES):
        report = month_report(month_report_info_fetch(sample=sample))
    assert report.charts == report.overall.reviewed == charts
    assert [point.reviewed for point in report.trend[-2:]] == [1, charts]


def test_month_report_info_holds_what_was_billed_and_who_acknowledged(reviewed_sample, settings):
    settings.AUDIT_ACCURACY_TARGET = 0.9
    sample = reviewed_sample(2)
    info = month_report_info_fetch(sample=sample)
    first, second = info.charts
    items = sample.items.select_related("encounter__clinician__user", "encounter__claim")
    by_position = {item.position: item for item in items}
    for chart in info.charts:
        encounter = by_position[chart.position].encounter
        assert chart.encounter_id == encounter.pk
        assert chart.date_of_service == encounter.date_of_service
        assert chart.clinician_name == encounter.clinician.display_name
        assert chart.billed_codes == tuple(line.code for line in encounter.claim.lines.all())
        assert chart.billed_text == "99214 + 90833"
    assert first.review.is_supported
    assert first.review.acknowledged_by is None
    assert second.review.outcome_label == "Over-coded"
    assert dict(second.review.checks)["check_em_level"] == "not_met"
    clinician = by_position[2].encounter.clinician
    assert second.review.acknowledged_by.name == clinician.display_name
    assert second.review.acknowledged_at is not None
    assert info.target == pytest.approx(0.9)
