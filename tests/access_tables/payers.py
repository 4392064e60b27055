"""Access to the payer URLs under /billing/ (payers and the drug table), per role.

Practice admins alone edit payers, fee schedules and drugs; every other role gets 403. A view
that accepts only POST answers 405 to a GET before any login check.
"""

from __future__ import annotations

from tests.access_tables import UrlAccess, expect

ALL_405 = expect(anonymous=405, prescriber=405, biller=405, compliance=405, admin=405)
ADMIN = expect(admin=200)


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


def _drug_id(s):
    from payers.models import Drug

    def build(setup):
        drug, _ = Drug.objects.get_or_create(
            code="J2680",
            defaults={"product": "fluphenazine", "billing_unit_mg": 25, "multi_dose": True},
        )
        return drug

    return {"drug_id": s.cached("drug", build).pk}


ACCESS: dict[str, UrlAccess] = {
    "payers:payer-list": UrlAccess(get=ADMIN),
    "payers:payer-detail": UrlAccess(
        get=ADMIN,
        kwargs=_payer_id,
        post=ADMIN,  # an empty form comes back with its errors
    ),
    "payers:fee-save": UrlAccess(get=ALL_405, kwargs=_payer_id, post=ADMIN),
    "payers:fee-delete": UrlAccess(get=ALL_405, kwargs=_fee, post=expect(admin=302)),
    "payers:drug-list": UrlAccess(get=ADMIN, post=ADMIN),  # an empty form: its errors
    "payers:drug-detail": UrlAccess(get=ADMIN, kwargs=_drug_id, post=ADMIN),
    "payers:drug-end": UrlAccess(get=ALL_405, kwargs=_drug_id, post=ADMIN),
}
