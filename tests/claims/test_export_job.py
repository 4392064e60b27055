"""The 837P export in the background: a fixed number of queries for any number of claims,
one ST/SE set per ``split`` claims (pyx12 accepts the file), a job with its progress that
the export page polls, and nothing changed when a claim moved meanwhile."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccessRecord
from claims.export import claim_batch_export, export_job_create, export_job_run
from claims.models import Claim, ClaimState, ClaimTransition, ExportBatch, ExportJob
from claims.x12.build import segments
from claims.x12.validate import x12_validate
from tests.claims.helpers import signed_claim
from tests.claims.test_views import _copies

pytestmark = pytest.mark.django_db
S = ClaimState


def _more(claim: Claim, n: int) -> None:
    """``n`` more claims like ``claim``, with its lines."""
    from claims.models import ClaimLine

    before = set(Claim.objects.values_list("pk", flat=True))
    _copies(claim, n)
    lines = list(ClaimLine.objects.filter(claim=claim))
    ClaimLine.objects.bulk_create(
        ClaimLine(
            **{
                f.attname: getattr(line, f.attname)
                for f in ClaimLine._meta.concrete_fields
                if f.name not in ("id", "claim")
            },
            claim_id=pk,
        )
        for pk in Claim.objects.exclude(pk__in=before).values_list("pk", flat=True)
        for line in lines
    )


def _approved(prescriber, n: int) -> list[Claim]:
    claim = signed_claim(clinician=prescriber.clinician)
    if n > 1:
        _more(claim, n - 1)
    Claim.objects.update(state=S.APPROVED)
    return list(Claim.objects.order_by("pk"))


def _export_queries(biller) -> int:
    from accounts.roles import role_of

    role_of(biller)  # the user's role is read once and kept on the user object
    with CaptureQueriesContext(connection) as queries:
        claim_batch_export(user=biller)
    return len(queries.captured_queries)


def test_the_export_runs_the_same_number_of_queries_for_3_and_30_claims(biller, prescriber):
    _approved(prescriber, 3)
    three = _export_queries(biller)
    Claim.objects.update(state=S.APPROVED)  # again, and 27 more
    _more(Claim.objects.order_by("pk").first(), 27)
    Claim.objects.update(state=S.APPROVED)
    assert Claim.objects.filter(state=S.APPROVED).count() == 30
    assert _export_queries(biller) == three
    # the claims and their lines, the next file number, then in one transaction: the lock,
    # the batch, one INSERT of transitions, one UPDATE of claims, one access record
    assert three == 12


def test_every_claim_is_recorded_in_one_statement_each(biller, prescriber):
    claims = _approved(prescriber, 4)
    Claim.objects.filter(pk=claims[0].pk).update(
        state=S.VOID_PENDING, frequency_code="8", payer_claim_number="ICN-9"
    )
    batch = claim_batch_export(user=biller)
    states = dict(Claim.objects.values_list("pk", "state"))
    assert states[claims[0].pk] == S.VOID
    assert {states[c.pk] for c in claims[1:]} == {S.SUBMITTED}
    moved = ClaimTransition.objects.filter(reason__startswith=f"837P batch {batch.control_number}")
    assert moved.count() == 4
    assert moved.get(claim=claims[0]).reason.endswith("(void of payer claim ICN-9)")
    one = Claim.objects.get(pk=claims[1].pk)
    assert (one.version, one.submission_count, one.batch_id) == (2, 1, batch.pk)
    record = AccessRecord.objects.filter(object_type="claims.ExportBatch").get()
    assert set(record.patient_ids) == {c.patient_id for c in claims}


def test_files_carry_one_transaction_set_per_split_claims_and_pass_pyx12(biller, prescriber):
    claims = _approved(prescriber, 5)
    seen: list[tuple[str, int]] = []
    batch = claim_batch_export(user=biller, split=2, progress=lambda s, n: seen.append((s, n)))
    rows = list(segments(batch.content))
    sts = [r for r in rows if r[0] == "ST"]
    ses = [r for r in rows if r[0] == "SE"]
    assert [r[2] for r in sts] == ["0001", "0002", "0003"]
    assert [r[2] for r in ses] == ["0001", "0002", "0003"]
    assert next(r for r in rows if r[0] == "GE")[1] == "3"
    clms = [r for r in rows if r[0] == "CLM"]
    assert len(clms) == len(claims) == 5
    for st, se in zip(sts, ses, strict=True):  # SE01 counts its set's segments
        start, end = rows.index(st), rows.index(se)
        assert int(se[1]) == end - start + 1
    assert x12_validate(batch.content) == []
    assert seen == [("building", 2), ("building", 4), ("building", 5), ("validating", 5)]


def test_a_claim_changed_while_the_file_was_written_leaves_every_claim_as_it_was(
    biller, prescriber
):
    claims = _approved(prescriber, 3)

    def meanwhile(status: str, done: int) -> None:
        if status == "validating":  # another biller reopens one claim
            Claim.objects.filter(pk=claims[1].pk).update(state=S.QUEUED, version=2)

    with pytest.raises(ValidationError, match="changed while the 837P file"):
        claim_batch_export(user=biller, progress=meanwhile)
    assert not ExportBatch.objects.exists()
    assert not ClaimTransition.objects.filter(to_state=S.SUBMITTED).exists()
    assert set(Claim.objects.values_list("state", flat=True)) == {S.APPROVED, S.QUEUED}


def test_a_job_runs_once_with_its_progress_and_its_file(biller, prescriber):
    _approved(prescriber, 3)
    job = export_job_create(user=biller)
    assert (job.status, job.total, job.percent) == ("queued", 3, 0)
    with pytest.raises(ValidationError, match="still running"):
        export_job_create(user=biller)
    done = export_job_run(job_id=job.pk)
    assert (done.status, done.done, done.percent) == ("done", 3, 100)
    assert done.batch is not None
    assert done.batch.claim_count == 3
    assert export_job_run(job_id=job.pk).batch_id == done.batch_id  # a second run: nothing
    assert ExportBatch.objects.count() == 1
    with pytest.raises(ValidationError, match="No approved claims"):
        export_job_create(user=biller)


def test_the_export_page_starts_the_task_and_shows_its_progress_then_its_file(
    client_for, biller, prescriber, django_capture_on_commit_callbacks, eager_tasks
):
    _approved(prescriber, 2)
    client = client_for(biller)
    page = client.get(reverse("claims:export-list")).content.decode()
    assert "2 claims wait" in page
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert client.post(reverse("claims:export-create")).status_code == 302
    job = ExportJob.objects.get()
    page = client.get(reverse("claims:export-list")).content.decode()
    assert 'role="progressbar"' in page
    assert "every 1s" in page
    assert 'data-testid="export"' not in page  # no second export meanwhile
    for callback in queued:  # the transaction committed: the task runs (eagerly here)
        callback()
    fragment = client.get(
        reverse("claims:export-job", args=[job.pk]), headers={"HX-Request": "true"}
    )
    assert fragment["HX-Refresh"] == "true"  # done: the page reloads once, without polling
    job.refresh_from_db()
    assert job.status == "done"
    page = client.get(reverse("claims:export-list")).content.decode()
    assert job.batch.filename in page
    assert "every 1s" not in page
    assert set(Claim.objects.values_list("state", flat=True)) == {S.SUBMITTED}


def test_an_unreachable_worker_fails_the_job_and_says_so(
    client_for, biller, prescriber, django_capture_on_commit_callbacks, monkeypatch
):
    from claims import tasks

    _approved(prescriber, 1)

    def refuse(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(tasks.claim_export_task, "delay", refuse)
    client = client_for(biller)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("claims:export-create"))
    job = ExportJob.objects.get()
    assert job.status == "failed"
    assert "worker could not be reached" in job.error
    assert (
        "worker could not be reached" in client.get(reverse("claims:export-list")).content.decode()
    )
    assert Claim.objects.get().state == S.APPROVED
