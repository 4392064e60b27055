"""The audit pages: roles, objects, the review form, the report and its exports."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from accounts.models import AccessRecord
from audits.models import ChartReview, Outcome
from audits.services import audit_sample_draw, chart_review_save
from tests.audits.helpers import pdf_text, review_data
from tests.factories import ClinicianFactory


@pytest.fixture
def sample(make_signed, last_month):
    clinicians = [ClinicianFactory(credential="MD"), ClinicianFactory(credential="NP")]
    for day in range(1, 8):
        make_signed(clinician=clinicians[day % 2], day=day)
    return audit_sample_draw(month=last_month)


def chart_url(sample, encounter_id):
    return reverse(
        "audits:chart-review", kwargs={"month": sample.month, "encounter_id": encounter_id}
    )


def items(sample):
    return list(sample.items.select_related("encounter__clinician__user").order_by("position"))


def test_compliance_home_lists_drawn_months(client_for, compliance, sample):
    response = client_for(compliance).get(reverse("audits:audit-home"))
    assert response.status_code == 200
    assert sample.month.strftime("%B %Y").encode() in response.content


def test_draw_form_draws_a_past_month_and_shows_it(client_for, compliance, make_signed, last_month):
    make_signed(day=3)
    client = client_for(compliance)
    response = client.post(reverse("audits:sample-draw"), {"month": f"{last_month:%Y-%m}"})
    assert response.status_code == 302
    assert response["Location"] == reverse("audits:sample-detail", kwargs={"month": last_month})
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert b"all of them were taken" in page.content


@pytest.mark.parametrize("typed", ["2026-13", "January", "", "9999-01"])
def test_draw_form_errors_show_next_to_the_month_field(client_for, compliance, typed):
    response = client_for(compliance).post(reverse("audits:sample-draw"), {"month": typed})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["month"]
    assert b"is-invalid" in response.content
    assert f'value="{typed}"'.encode() in response.content


def test_compliance_opens_a_sampled_chart_and_the_access_is_recorded(
    client_for, compliance, sample
):
    item = items(sample)[0]
    response = client_for(compliance).get(chart_url(sample, item.encounter_id))
    assert response.status_code == 200
    assert item.encounter.pt_note.encode() in response.content
    assert b"99214" in response.content  # the billed lines
    assert AccessRecord.objects.filter(
        user=compliance,
        object_type="encounters.Encounter",
        object_id=str(item.encounter_id),
        action="view",
    ).exists()


def test_compliance_cannot_open_a_chart_outside_the_sample(
    client_for, compliance, sample, make_signed, last_month
):
    outside = make_signed(day=20)  # signed after the draw: not in any sample
    response = client_for(compliance).get(chart_url(sample, outside.pk))
    assert response.status_code == 404
    assert not AccessRecord.objects.filter(user=compliance, object_id=str(outside.pk)).exists()


def test_compliance_cannot_open_a_sampled_chart_under_another_month(client_for, compliance, sample):
    item = items(sample)[0]
    url = reverse(
        "audits:chart-review", kwargs={"month": "2001-01", "encounter_id": item.encounter_id}
    )
    assert client_for(compliance).get(url).status_code == 404


@pytest.mark.parametrize("role_user", ["prescriber", "biller", "practice_admin"])
def test_other_roles_cannot_open_audit_pages(request, client_for, sample, role_user):
    user = request.getfixturevalue(role_user)
    client = client_for(user)
    item = items(sample)[0]
    for url in (
        reverse("audits:audit-home"),
        reverse("audits:sample-detail", kwargs={"month": sample.month}),
        chart_url(sample, item.encounter_id),
    ):
        assert client.get(url).status_code == 403


def test_review_is_prefilled_from_the_chart(client_for, compliance, sample):
    item = items(sample)[0]
    response = client_for(compliance).get(chart_url(sample, item.encounter_id))
    form = response.context["form"]
    assert form.initial["check_time_blocks"] == "met"
    assert form.initial["outcome"] == Outcome.SUPPORTED


def test_review_page_compares_with_the_proposal_at_signing(client_for, compliance, sample):
    item = items(sample)[0]
    response = client_for(compliance).get(chart_url(sample, item.encounter_id))
    assert b"compared with the proposal at signing (engine " in response.content


def test_a_chart_without_a_stored_proposal_opens_and_says_so(
    client_for, compliance, no_stored_proposal, sample
):
    from coding.models import SignedProposal

    item = items(sample)[0]
    assert not SignedProposal.objects.filter(encounter_id=item.encounter_id).exists()
    response = client_for(compliance).get(chart_url(sample, item.encounter_id))
    assert response.status_code == 200
    assert b"No proposal was stored when this chart was signed" in response.content
    assert "outcome" not in response.context["form"].initial
    assert b"No suggestion: no proposal was stored at signing." in response.content


def test_invalid_review_shows_errors_next_to_fields_and_keeps_typed_values(
    client_for, compliance, sample
):
    item = items(sample)[0]
    data = review_data(outcome="over_coded", reviewer_code="", comment="")
    data["check_em_level"] = ""
    response = client_for(compliance).post(chart_url(sample, item.encounter_id), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["reviewer_code"] == ["Enter the code you would have billed."]
    assert errors["comment"] == ["Explain the finding for the clinician."]
    assert errors["check_em_level"] == ["Choose one."]
    assert b'value="over_coded" id="id_outcome_1" checked' in response.content
    assert not ChartReview.objects.exists()


def test_review_rejects_codes_the_practice_does_not_bill(client_for, compliance, sample):
    item = items(sample)[0]
    data = review_data(outcome="under_coded", reviewer_code="99215 + 12345", comment="Low")
    response = client_for(compliance).post(chart_url(sample, item.encounter_id), data)
    assert response.status_code == 200
    assert "12345" in response.context["form"].errors["reviewer_code"][0]
    assert b'value="99215 + 12345"' in response.content


def test_saving_a_review_goes_to_the_next_unreviewed_chart(client_for, compliance, sample):
    first, second = items(sample)[:2]
    response = client_for(compliance).post(chart_url(sample, first.encounter_id), review_data())
    assert response.status_code == 302
    assert response["Location"] == chart_url(sample, second.encounter_id)
    review = ChartReview.objects.get(item=first)
    assert review.reviewer == compliance
    assert review.outcome == Outcome.SUPPORTED


def test_au_3_report_accuracy_and_breakdowns_match_the_reviews(client_for, compliance, sample):
    charts = items(sample)
    outcomes = [
        ("supported", "", ""),
        ("supported", "", ""),
        ("over_coded", "99213 + 90833", "MDM supports low complexity only."),
        ("under_coded", "99215 + 90833", "High risk documented."),
        ("not_supported", "", "Psychotherapy times missing."),
    ]
    for item, (outcome, code, comment) in zip(charts, outcomes, strict=True):
        checks = {"check_em_level": "not_met"} if outcome != "supported" else {}
        chart_review_save(
            user=compliance, item=item, data=review_data(outcome, code, comment, **checks)
        )
    response = client_for(compliance).get(
        reverse("audits:sample-detail", kwargs={"month": sample.month})
    )
    report = response.context["report"]
    assert (report.overall.supported, report.overall.reviewed) == (2, 5)
    assert report.accuracy == pytest.approx(0.4)
    assert report.meets_target is False
    html = response.content.decode()
    assert 'data-testid="accuracy">40%<' in html
    assert "2 of 5 reviewed charts supported" in html
    assert "cannot be extrapolated" in html
    em_row = next(row for row in report.by_check if row[0].startswith("MDM"))
    assert em_row[1] == 3
    by_clinician = {t.label: (t.supported, t.reviewed) for t in report.by_clinician}
    expected: dict[str, list[int]] = {}
    for item, (outcome, _, _) in zip(charts, outcomes, strict=True):
        tally = expected.setdefault(item.encounter.clinician.display_name, [0, 0])
        tally[0] += outcome == "supported"
        tally[1] += 1
    assert by_clinician == {k: tuple(v) for k, v in expected.items()}
    by_code = {t.label: t.reviewed for t in report.by_code}
    assert by_code == {"99214": 5, "90833": 5}
    assert "<svg" in html
    assert "target 95%" in html


def test_report_before_any_review_says_so(client_for, compliance, sample):
    response = client_for(compliance).get(
        reverse("audits:sample-detail", kwargs={"month": sample.month})
    )
    assert b'data-testid="accuracy">n/a<' in response.content
    assert b"no reviews yet" in response.content
    assert b"give the same 5 charts" in response.content


def test_findings_csv_has_one_row_per_chart_and_records_the_export(client_for, compliance, sample):
    first = items(sample)[0]
    chart_review_save(
        user=compliance, item=first, data=review_data("over_coded", "99213", '=HYPERLINK("x")')
    )
    response = client_for(compliance).get(
        reverse("audits:sample-findings-csv", kwargs={"month": sample.month})
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5
    assert rows[0]["encounter"] == str(first.encounter_id)
    assert rows[0]["outcome"] == "over_coded"
    assert rows[0]["comment"].startswith("'=")  # no formula reaches a spreadsheet
    assert rows[1]["outcome"] == "not reviewed"
    assert AccessRecord.objects.filter(user=compliance, action="export").exists()


def test_au_3_month_pdf_carries_the_same_figures_as_the_reviews(client_for, compliance, sample):
    charts = items(sample)
    for item in charts[:3]:
        chart_review_save(user=compliance, item=item, data=review_data())
    chart_review_save(
        user=compliance, item=charts[3], data=review_data("over_coded", "99213 + 90833", "Low MDM.")
    )
    response = client_for(compliance).get(
        reverse("audits:sample-report-pdf", kwargs={"month": sample.month})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "3/4 = 75%" in text
    assert "target 95% (not met)" in text
    assert "monitoring sample" in text
    assert f"seed {sample.seed}" in text
    assert "#4: Low MDM." in text
    assert AccessRecord.objects.filter(user=compliance, action="export").exists()


def _review_all(sample, compliance, outcome="over_coded"):
    for item in items(sample):
        chart_review_save(
            user=compliance, item=item, data=review_data(outcome, "99213", "Level too high.")
        )


def test_prescriber_sees_findings_only_on_their_charts(client_for, compliance, sample):
    _review_all(sample, compliance)
    owner = items(sample)[0].encounter.clinician.user
    response = client_for(owner).get(reverse("audits:finding-list"))
    assert response.status_code == 200
    findings = list(response.context["findings"])
    assert findings
    assert {f.item.encounter.clinician.user_id for f in findings} == {owner.pk}
    assert b"Level too high." in response.content


def test_prescriber_acknowledges_a_finding(client_for, compliance, sample):
    _review_all(sample, compliance)
    review = ChartReview.objects.select_related("item__encounter__clinician__user").first()
    owner = review.item.encounter.clinician.user
    url = reverse("audits:finding-acknowledge", kwargs={"review_id": review.pk})
    response = client_for(owner).post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    assert b'data-testid="finding-row"' in response.content
    review.refresh_from_db()
    assert review.acknowledged_by == owner
    assert review.acknowledged_at is not None


def test_another_prescriber_cannot_acknowledge_the_finding(
    client_for, compliance, sample, other_prescriber
):
    _review_all(sample, compliance)
    review = ChartReview.objects.first()
    url = reverse("audits:finding-acknowledge", kwargs={"review_id": review.pk})
    assert client_for(other_prescriber).post(url).status_code == 404
    review.refresh_from_db()
    assert review.acknowledged_at is None


def test_revising_a_review_asks_for_a_new_acknowledgement(compliance, sample):
    from audits.services import finding_acknowledge

    item = items(sample)[0]
    review = chart_review_save(
        user=compliance, item=item, data=review_data("over_coded", "99213", "Too high.")
    )
    finding_acknowledge(user=item.encounter.clinician.user, review=review)
    review = chart_review_save(user=compliance, item=item, data=review_data())
    assert review.acknowledged_at is None
    assert review.acknowledged_by is None


@pytest.mark.parametrize("month", ["2026-00", "2026-13", "0000-01"])
def test_an_impossible_month_in_the_url_is_not_found(client_for, compliance, month):
    response = client_for(compliance).get(f"/audits/{month}/")
    assert response.status_code == 404


def test_a_month_not_drawn_is_not_found(client_for, compliance, last_month):
    url = reverse("audits:sample-detail", kwargs={"month": last_month})
    assert client_for(compliance).get(url).status_code == 404


def test_a_forged_outcome_is_a_form_error_not_a_crash(client_for, compliance, sample):
    item = items(sample)[0]
    data = review_data(outcome="great", check_diagnoses="maybe")
    response = client_for(compliance).post(chart_url(sample, item.encounter_id), data)
    assert response.status_code == 200
    assert "outcome" in response.context["form"].errors
    assert "check_diagnoses" in response.context["form"].errors


def test_month_page_rows_show_billed_codes_outcome_and_acknowledgement(
    client_for, compliance, reviewed_sample
):
    sample = reviewed_sample(2)
    owner = sample.items.get(position=2).encounter.clinician
    response = client_for(compliance).get(
        reverse("audits:sample-detail", kwargs={"month": sample.month})
    )
    rows = response.content.decode().split('data-testid="sample-chart"')[1:]
    assert len(rows) == 2
    assert "<code>99214 + 90833</code>" in rows[0]
    assert 'data-testid="outcome-badge">Supported<' in rows[0]
    assert ">pending<" in rows[0]  # reviewed, not yet acknowledged
    assert 'text-bg-danger" data-testid="outcome-badge">Over-coded<' in rows[1]
    assert "<code>99213 + 90833</code>" in rows[1]
    assert f"{owner.display_name}, " in rows[1]


# --- query counts: the month page and its exports stay flat as the sample grows ----------

# session, user with role (accounts.backends), the sample, the report's four
# (REPORT_QUERIES in test_selectors), the access record naming the sampled patients (one
# INSERT), the session save (the first request after sign-in notes the idle limit's write:
# accounts.middleware.IdleTimeoutMiddleware) and its savepoint pair inside the test
# transaction. The page runs outside a request transaction (no savepoint pair of its own).
# The redraw check is stored at the draw: the page does not redo it.
MONTH_PAGE_QUERIES = 11
# The same, and the request transaction's savepoint pair (the access record is the export's).
EXPORT_QUERIES = 13
# The frame: the sample, the frame's one query and its access record.
RATSTATS_FRAME_QUERIES = 10
# The report's data, then the frame's amounts.
RATSTATS_SAMPLE_QUERIES = 14


@pytest.mark.parametrize("charts", [1, 40])
@pytest.mark.parametrize(
    ("url_name", "queries"),
    [
        ("audits:sample-detail", MONTH_PAGE_QUERIES),
        ("audits:sample-findings-csv", EXPORT_QUERIES),
        ("audits:sample-report-pdf", EXPORT_QUERIES),
        ("audits:sample-ratstats-frame", RATSTATS_FRAME_QUERIES),
        ("audits:sample-ratstats-sample", RATSTATS_SAMPLE_QUERIES),
    ],
)
def test_month_page_and_exports_cost_the_same_queries_for_1_and_40_charts(
    client_for, compliance, reviewed_sample, charts, url_name, queries, django_assert_num_queries
):
    sample = reviewed_sample(charts)
    client = client_for(compliance)
    with django_assert_num_queries(queries):
        response = client.get(reverse(url_name, kwargs={"month": sample.month}))
    assert response.status_code == 200
    if url_name == "audits:sample-findings-csv":
        assert len(list(csv.DictReader(io.StringIO(response.content.decode())))) == charts


def test_findings_page_writes_one_record_naming_its_patients_at_a_flat_cost(
    client_for, prescriber, compliance, make_signed, last_month
):
    """One INSERT names every patient of the findings shown, for 2 findings as for 5."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from audits.sampling import previous_month

    clinician = prescriber.clinician
    client = client_for(prescriber)
    client.get(reverse("accounts:home"))  # the session's first queries are not the page's
    counts = []
    for month, charts in ((last_month, 2), (previous_month(last_month), 3)):
        for day in range(1, charts + 1):
            make_signed(month=month, clinician=clinician, day=day)
        for item in audit_sample_draw(month=month, size=charts).items.all():
            chart_review_save(user=compliance, item=item, data=review_data())
        last = AccessRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("audits:finding-list"))
        assert response.status_code == 200
        record = AccessRecord.objects.get(id__gt=last)
        reviews = ChartReview.objects.filter(item__encounter__clinician=clinician)
        assert record.patient_ids == sorted(
            reviews.values_list("item__encounter__patient_id", flat=True)
        )
        assert (record.object_type, record.object_id) == ("audits.ChartReview", "")
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]


def test_month_page_lists_each_stratum_by_its_size_without_reading_the_stored_ids(
    client_for, compliance, sample
):
    """The strata table shows how many charts each clinician signed, stored at the draw;
    the sample on the page never loads the population's ids."""
    response = client_for(compliance).get(reverse("audits:sample-detail", args=[sample.month]))
    shown = response.context["sample"]
    assert {"population_ids", "strata"} <= shown.get_deferred_fields()
    rows = [
        (s["clinician_id"], len(s["encounter_ids"]), s["minimum"], s["drawn"])
        for s in sample.strata
    ]
    assert [
        (r["clinician_id"], r["signed"], r["minimum"], r["drawn"]) for r in shown.strata_rows
    ] == rows
    table = response.content.decode().split('data-testid="strata"')[1].split("</table>")[0]
    for clinician_id, signed, _, _ in rows:
        assert f'<td>{clinician_id}</td><td class="text-end">{signed}</td>' in table
