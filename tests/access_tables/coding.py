"""Access to the coding URLs, per role.

The live proposal panel answers prescribers only (it renders codes for the encounter
form they are typing, and writes nothing). Another prescriber posting a coverage of
a patient that is not theirs still gets the panel: the coverage is ignored and the
default payer profile applies (tests/coding/test_panel.py checks the payer). Billers,
compliance staff and practice admins get 403. The view accepts only POST, so a GET
answers 405 before any login check.
"""

from __future__ import annotations

from tests.access_tables import UrlAccess, expect

ALL_405 = expect(anonymous=405, prescriber=405, biller=405, compliance=405, admin=405)


def _encounter_form(s):
    """A typed encounter form with a coverage of the prescriber's own patient."""
    return {
        "coverage": s.patient.coverages.first().pk,
        "setting": "video",
        "patient_at_home": "on",
        "pt_kind": "individual",
        "pt_start": "09:00",
        "pt_end": "09:30",
        "em_start": "09:30",
        "em_end": "09:45",
        "mdm_problems": ["chronic_exacerbation"],
        "mdm_risk": ["prescription_management"],
    }


ACCESS: dict[str, UrlAccess] = {
    "coding:proposal-panel": UrlAccess(
        get=ALL_405,
        post=expect(prescriber=200),  # another prescriber: 200, the coverage is ignored
        post_data=_encounter_form,
        htmx=True,
    ),
}
