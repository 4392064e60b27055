"""Access to the billing URLs, per role.

Billers alone work the queue, claims, fixes, payer answers and 837P exports. The
clinician of a claim's encounter opens that claim and answers it when it is returned
(another prescriber gets 404). Practice admins alone edit payers and fee schedules.
Compliance staff reach nothing here. A view that accepts only POST answers 405 to a GET
before any login check.
"""

from __future__ import annotations

from tests.access_tables import UrlAccess, expect

ALL_405 = expect(anonymous=405, prescriber=405, biller=405, compliance=405, admin=405)
BILLER = expect(biller=200)
ADMIN = expect(admin=200)


def _claim(s):
    """The prescriber's signed encounter's claim (built at signing)."""
    return s.signed.claim


def _claim_id(s):
    return {"claim_id": _claim(s).pk}


def _returned(s):
    from payers.services import claim_transition

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


def _payer_id(s):
    from tests.factories import payer

    return {"payer_id": payer("commercial").pk}


def _fee(s):
    from payers.models import FeeScheduleEntry
    from tests.factories import payer

    def build(setup):
        entry, _ = FeeScheduleEntry.objects.get_or_create(
            payer=payer("commercial"),
            code="90785",
            modifier="",
            defaults={"charge": 25, "allowed": 18},
        )
        return entry

    entry = s.cached("fee", build)
    return {"payer_id": entry.payer_id, "fee_id": entry.pk}


def _batch(s):
    from claims.models import ExportBatch

    def build(setup):
        return ExportBatch.objects.create(
            created_by=setup.user("biller"), control_number=900001, claim_count=0, content="ISA~"
        )

    return {"batch_id": s.cached("batch", build).pk}


ACCESS: dict[str, UrlAccess] = {
    "payers:claim-queue": UrlAccess(get=BILLER, query="?state=&q=a"),
    "payers:claim-next": UrlAccess(get=ALL_405, post=expect(biller=302)),
    "payers:claim-bulk-approve": UrlAccess(
        get=ALL_405,
        post=BILLER,  # the confirmation page
        post_data=lambda s: {"claim": [_claim(s).pk]},
    ),
    "payers:claim-detail": UrlAccess(
        get=expect(prescriber=200, other_prescriber=404, biller=200),
        kwargs=_claim_id,
        shows=_claim,
    ),
    "payers:claim-line-update": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {**_claim_id(s), "position": 1},
        post=BILLER,  # an empty fix comes back with its errors
        htmx=True,
    ),
    "payers:claim-action": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {**_claim_id(s), "action": "hold"},
        # a blank reason comes back with its error; the prescriber's own claim is not
        # theirs to hold (403 from the service), another prescriber's is not found
        post=expect(prescriber=403, other_prescriber=404, biller=200),
        post_data=lambda s: {"version": _claim(s).version, "reason": ""},
        htmx=True,
    ),
    "payers:claim-payer-answer": UrlAccess(
        get=ALL_405,
        kwargs=_claim_id,
        post=BILLER,  # an empty answer comes back with its errors
        htmx=True,
    ),
    "payers:claim-answer": UrlAccess(
        get=ALL_405,
        kwargs=lambda s: {"claim_id": _returned(s).pk},
        post=expect(prescriber=200, other_prescriber=404),  # empty: back with its error
    ),
    "payers:clinician-inbox": UrlAccess(get=expect(prescriber=200)),
    "payers:export-list": UrlAccess(get=BILLER),
    "payers:export-create": UrlAccess(get=ALL_405, post=expect(biller=302)),
    "payers:export-download": UrlAccess(get=BILLER, kwargs=_batch),
    "payers:payer-list": UrlAccess(get=ADMIN),
    "payers:payer-detail": UrlAccess(
        get=ADMIN,
        kwargs=_payer_id,
        post=ADMIN,  # an empty form comes back with its errors
    ),
    "payers:fee-save": UrlAccess(get=ALL_405, kwargs=_payer_id, post=ADMIN),
    "payers:fee-delete": UrlAccess(get=ALL_405, kwargs=_fee, post=expect(admin=302)),
}
