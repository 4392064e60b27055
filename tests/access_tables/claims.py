"""Access to the claim URLs under /billing/, per role.

Billers alone work the queue, claims, fixes, payer answers and 837P exports. The
clinician of a claim's encounter opens that claim and answers it when it is returned
(another prescriber gets 404). Compliance staff and practice admins reach nothing here.
A view that accepts only POST answers 405 to a GET before any login check.
"""

from __future__ import annotations

import datetime

from tests.access_tables import UrlAccess, expect

ALL_405 = expect(anonymous=405, prescriber=405, biller=405, compliance=405, admin=405)
BILLER = expect(biller=200)


def _claim(s):
    """The prescriber's signed encounter's claim (built at signing)."""
    return s.signed.claim


def _claim_id(s):
    return {"claim_id": _claim(s).pk}


def _returned(s):
    from claims.transitions import claim_transition

    def build(setup):
        claim = _claim(setup)
        return claim_transition(
            user=setup.user("biller"),
            claim=claim,
            to_state="returned",
            version=claim.version,
            reason="Was the visit by video?",
        )

    return s.cached("returned_claim", build)


def _batch(s):
    from claims.models import ExportBatch

    def build(setup):
        return ExportBatch.objects.create(
            created_by=setup.user("biller"), control_number=900001, claim_count=0, content="ISA~"
        )

    return {"batch_id": s.cached("batch", build).pk}


def _job(s):
    from claims.models import ExportJob

    def build(setup):
        return ExportJob.objects.create(created_by=setup.user("biller"), total=3)

    return {"job_id": s.cached("job", build).pk}


def _unmatched(s):
    from claims.models import PayerFile, UnmatchedRemittance

    def build(setup):
        payer_file = PayerFile.objects.create(
            kind="835",
            name="era.835",
            sha256="0" * 64,
            content="ISA~",
            imported_by=setup.user("biller"),
        )
        return UnmatchedRemittance.objects.create(
            payer_file=payer_file,
            claim_reference="NOT-OURS",
            payer_key="1999999999",
            trace_number="EFT1",
            reason="No claim",
            data={},
        )

    return {"item_id": s.cached("unmatched", build).pk}


def _denied_line(s):
    """A line of the prescriber's claim an 835 denied (CO-50), on the denial worklist."""
    from claims.models import ClaimPayment, LinePayment, PayerFile, PaymentAdjustment

    def build(setup):
        claim = _claim(setup)
        payer_file = PayerFile.objects.create(
            kind="835",
            name="denied.835",
            sha256="1" * 64,
            content="ISA~",
            imported_by=setup.user("biller"),
        )
        payment = ClaimPayment.objects.create(
            payer_file=payer_file,
            claim=claim,
            payer_key="1999999999",
            trace_number="EFT9",
            status_code="4",
            charge=claim.total_charge,
            paid=0,
            outcome="denied",
        )
        claim_line = claim.lines.order_by("position").first()
        line = LinePayment.objects.create(
            payment=payment,
            claim_line=claim_line,
            matched_by="control",
            code=claim_line.code,
            charge=claim_line.charge,
            paid=0,
        )
        PaymentAdjustment.objects.create(
            payment=payment, line=line, group="CO", carc="50", amount=claim_line.charge
        )
        return line

    return {"line_id": s.cached("denied_line", build).pk}


def _worklist(s):
    _denied_line(s)
    return {}


def _scheduled(s):
    """The prescriber's patient on tomorrow's schedule (the eligibility page's default day)."""
    from django.utils import timezone

    from encounters.models import ScheduledVisit

    def build(setup):
        return ScheduledVisit.objects.create(
            patient=setup.patient,
            clinician=setup.prescriber.clinician,
            date=timezone.localdate() + datetime.timedelta(days=1),
            time=datetime.time(9, 0),
            created_by=setup.prescriber,
        )

    s.cached("scheduled", build)
    return {}


def _coverage_id(s):
    return {"coverage_id": s.patient.coverages.first().pk}


def _authorization(s):
    """An authorization of the prescriber's patient about to run out, with a visit scheduled."""
    import datetime

    from django.utils import timezone

    from encounters.models import ScheduledVisit
    from tests.factories import AuthorizationFactory

    def build(setup):
        today = timezone.localdate()
        ScheduledVisit.objects.create(
            patient=setup.patient,
            clinician=setup.prescriber.clinician,
            date=today + datetime.timedelta(days=3),
            time=datetime.time(10, 0),
            created_by=setup.user("biller"),
        )
        return AuthorizationFactory(
            coverage=setup.patient.coverages.first(),
            start_date=today - datetime.timedelta(days=60),
            end_date=today + datetime.timedelta(days=5),
            created_by=setup.user("biller"),
        )

    return s.cached("authorization", build)


ACCESS: dict[str, UrlAccess] = {
    "claims:claim-queue": UrlAccess(get=BILLER, query="?state=&q=a"),
    "claims:claim-next": UrlAccess(get=ALL_405, post=expect(biller=302)),
    "claims:claim-bulk-approve": UrlAccess(
        get=ALL_405,
        post=BILLER,  # the confirmation page
        post_data=lambda s: {"claim": [_claim(s).pk]},
    ),
    "claims:claim-detail": UrlAccess(
        get=expect(prescriber=200, other_prescriber=404, biller=200),
        kwargs=_claim_id,
        shows=_claim,
    ),
    "claims:claim-line-update": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {**_claim_id(s), "position": 1},
        post=BILLER,  # an empty fix comes back with its errors
        htmx=True,
    ),
    "claims:claim-action": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {**_claim_id(s), "action": "hold"},
        # a blank reason comes back with its error; the prescriber's own claim is not
        # theirs to hold (403 from the service), another prescriber's is not found
        post=expect(prescriber=403, other_prescriber=404, biller=200),
        post_data=lambda s: {"version": _claim(s).version, "reason": ""},
        htmx=True,
    ),
    "claims:claim-payer-answer": UrlAccess(
        get=ALL_405,
        kwargs=_claim_id,
        post=BILLER,  # an empty answer comes back with its errors
        htmx=True,
    ),
    "claims:claim-line-add": UrlAccess(
        get=ALL_405,
        kwargs=_claim_id,
        post=BILLER,  # an empty line comes back with its errors
        htmx=True,
    ),
    "claims:claim-line-delete": UrlAccess(
        get=ALL_405,
        kwargs=_claim_id,
        post=BILLER,  # an empty deletion comes back with its errors
        htmx=True,
    ),
    "claims:claim-answer": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {"claim_id": _returned(s).pk},
        post=expect(prescriber=200, other_prescriber=404),  # empty: back with its error
    ),
    "claims:clinician-inbox": UrlAccess(get=expect(prescriber=200)),
    "claims:export-list": UrlAccess(get=BILLER),
    "claims:export-create": UrlAccess(get=ALL_405, post=expect(biller=302)),
    "claims:export-download": UrlAccess(get=BILLER, kwargs=_batch),
    "claims:export-job": UrlAccess(get=BILLER, kwargs=_job),  # a progress bar, no patient
    # payer files in: billers alone upload 835/999/277CA files and resolve what matched nothing
    "claims:payer-file-upload": UrlAccess(get=BILLER, post=BILLER),  # no file: its error
    "claims:unmatched-list": UrlAccess(get=BILLER),
    # eligibility: billers alone see a day's coverage, upload 271s and record new coverage
    "claims:eligibility-schedule": UrlAccess(
        get=BILLER,
        post=BILLER,  # no file: its error, the schedule shown again
        kwargs=_scheduled,  # a list page: one record naming the day's patients
    ),
    "claims:coverage-fix": UrlAccess(
        get=BILLER,
        post=BILLER,  # an empty form comes back with its errors
        kwargs=_coverage_id,
        shows=lambda s: s.patient.coverages.first(),
    ),
    "claims:unmatched-attach": UrlAccess(get=ALL_405, kwargs=_unmatched, post=BILLER),
    "claims:unmatched-dismiss": UrlAccess(get=ALL_405, kwargs=_unmatched, post=BILLER),
    # prior authorizations: billers alone see the worklist and record authorizations
    "claims:authorization-worklist": UrlAccess(
        get=BILLER, kwargs=lambda s: _authorization(s) and {}
    ),
    "claims:authorization-create": UrlAccess(
        get=BILLER,
        kwargs=lambda s: {"coverage_id": _authorization(s).coverage_id},
        post=BILLER,  # an empty form comes back with its errors
        shows=lambda s: _authorization(s).coverage,
    ),
    "claims:authorization-update": UrlAccess(
        get=BILLER,
        kwargs=lambda s: {"authorization_id": _authorization(s).pk},
        post=BILLER,  # an empty form comes back with its errors
        shows=_authorization,
    ),
    # the denial worklist: billers alone see and work denied and underpaid lines
    "claims:denial-worklist": UrlAccess(get=BILLER, kwargs=_worklist, query="?show=all"),
    "claims:denial-line": UrlAccess(get=BILLER, kwargs=_denied_line, shows=_claim),
    # the billing dashboard: aggregates for billers (no patient), each table also as CSV
    "claims:billing-dashboard": UrlAccess(get=BILLER, kwargs=_worklist),
    "claims:denial-appeal-letter": UrlAccess(get=expect(biller=302), kwargs=_denied_line),
    "claims:denial-action": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {**_denied_line(s), "action": "write-off"},
        post=expect(biller=400),  # no reason: back with its error
    ),
}
