"""Access to the accounts and encounters URLs, per role.

Prescribers work on their own patients and encounters (another prescriber gets 404);
practice admins keep patients and coverage but never open a chart; billers and
compliance staff reach no page here (compliance sees charts only through audits).
A view that accepts only POST answers 405 to a GET before any login check.
"""

from __future__ import annotations

from tests.access_tables import UrlAccess, everyone, expect, own_object

ALL_405 = expect(anonymous=405, prescriber=405, biller=405, compliance=405, admin=405)
PRESCRIBERS = expect(prescriber=200)  # each prescriber on their own list
ADMIN_ONLY = expect(admin=200)


def _patient(s):
    return {"patient_id": s.patient.pk}


def _draft(s):
    return {"encounter_id": s.draft.pk}


def _signed(s):
    return {"encounter_id": s.signed.pk}


def _note_template(s):
    from encounters.models import NoteTemplate

    template = s.cached(
        "note_template",
        lambda s: NoteTemplate.objects.create(
            clinician=s.prescriber.clinician, name="Follow-up", pt_note="Met for 30 min."
        ),
    )
    return {"template_id": template.pk}


ACCESS: dict[str, UrlAccess] = {
    # --- accounts ---------------------------------------------------------------------------
    "accounts:home": UrlAccess(get=everyone(302), note="each role goes to its own home page"),
    "accounts:login": UrlAccess(
        get=expect(anonymous=200, prescriber=302, biller=302, compliance=302, admin=302),
    ),
    "accounts:logout": UrlAccess(
        get=ALL_405,
        post=expect(anonymous=302, prescriber=302, biller=302, compliance=302, admin=302),
    ),
    "accounts:session-keep-alive": UrlAccess(
        get=ALL_405,
        post=everyone(204),
        note="'Stay signed in' touches the session of any signed-in user, whatever the role",
    ),
    "accounts:password-change": UrlAccess(
        get=everyone(200),
        post=everyone(200),  # an empty form comes back with its errors
        post_data=lambda s: {"old_password": "", "new_password1": "", "new_password2": ""},
    ),
    "accounts:password-change-done": UrlAccess(get=everyone(200)),
    "accounts:access-log": UrlAccess(get=ADMIN_ONLY),
    "accounts:user-list": UrlAccess(get=ADMIN_ONLY, query="?q=user"),
    "accounts:password-reset-issue": UrlAccess(
        get=ADMIN_ONLY,
        post=ADMIN_ONLY,  # the link, shown once
        kwargs=lambda s: {"user_id": s.users["biller"].pk},
    ),
    "accounts:password-reset": UrlAccess(get=everyone(200) | {"anonymous": 200}),
    "accounts:password-reset-confirm": UrlAccess(
        get=everyone(200) | {"anonymous": 200},
        kwargs=lambda s: {"token": "no-such-token"},
        note="anyone may open a reset link: the token is the credential; this one is unknown",
    ),
    "accounts:password-reset-set": UrlAccess(
        get=everyone(200) | {"anonymous": 200},
        post=everyone(200) | {"anonymous": 200},
        post_data=lambda s: {"new_password1": "", "new_password2": ""},
        note="no reset link opened in this session: the page says the link cannot be used",
    ),
    "accounts:two-step-setup": UrlAccess(
        get=everyone(200),
        post=everyone(200),  # an empty code comes back with its error
        post_data=lambda s: {"code": ""},
    ),
    "accounts:two-step-disable": UrlAccess(
        get=ALL_405,
        post=everyone(302),  # two-step sign-in is off for these users: back to the set-up page
        post_data=lambda s: {"code": ""},
    ),
    "accounts:two-step-verify": UrlAccess(
        get=everyone(302),
        post=everyone(302),
        post_data=lambda s: {"code": ""},
        note="a user without a confirmed device has no code to enter: sent on home",
    ),
    # --- patients ---------------------------------------------------------------------------
    "encounters:patient-list": UrlAccess(get=expect(prescriber=200, admin=200), query="?q=a"),
    "encounters:patient-create": UrlAccess(
        get=ADMIN_ONLY,
        post=ADMIN_ONLY,  # an empty form comes back with its errors
        post_data=lambda s: {"coverages-TOTAL_FORMS": "0", "coverages-INITIAL_FORMS": "0"},
    ),
    "encounters:patient-detail": UrlAccess(
        get=expect(prescriber=200, other_prescriber=404, admin=200),
        kwargs=_patient,
        shows=lambda s: s.patient,
    ),
    "encounters:patient-edit": UrlAccess(
        get=ADMIN_ONLY,
        kwargs=_patient,
        post=ADMIN_ONLY,
        post_data=lambda s: {"coverages-TOTAL_FORMS": "0", "coverages-INITIAL_FORMS": "0"},
        shows=lambda s: s.patient,
    ),
    # --- encounters -------------------------------------------------------------------------
    "encounters:today": UrlAccess(get=PRESCRIBERS, note="the prescriber's home: their own day"),
    "encounters:encounter-list": UrlAccess(get=PRESCRIBERS),
    "encounters:scheduled-visit-create": UrlAccess(
        get=expect(prescriber=200, other_prescriber=404, admin=200),
        kwargs=_patient,
        post=expect(prescriber=200, other_prescriber=404, admin=200),  # empty: its errors
        shows=lambda s: s.patient,
    ),
    "encounters:encounter-create": UrlAccess(
        get=own_object(),
        kwargs=_patient,
        post=own_object(302),  # an empty form is kept as a draft, whose page shows the errors
        shows=lambda s: s.patient,
    ),
    "encounters:encounter-detail": UrlAccess(
        get=own_object(), kwargs=_signed, shows=lambda s: s.signed
    ),
    "encounters:encounter-edit": UrlAccess(
        get=own_object(),
        kwargs=_draft,
        post=own_object(302),  # an empty form is kept in the draft, whose page shows the errors
        shows=lambda s: s.draft,
    ),
    "encounters:encounter-addendum-add": UrlAccess(
        get=ALL_405,
        kwargs=_signed,
        post=own_object(),  # an empty addendum comes back with its errors
    ),
    # --- note templates (no patient: no access record) ----------------------------------------
    "encounters:note-template-list": UrlAccess(get=PRESCRIBERS),
    "encounters:note-template-create": UrlAccess(
        get=PRESCRIBERS,
        post=PRESCRIBERS,  # an empty form comes back with its errors
        post_data=lambda s: {"name": ""},
    ),
    "encounters:note-template-edit": UrlAccess(
        get=own_object(),
        kwargs=_note_template,
        post=own_object(),  # an empty name comes back with its error
        post_data=lambda s: {"name": ""},
    ),
    "encounters:note-template-delete": UrlAccess(
        get=own_object(),  # the question
        kwargs=_note_template,
        post=own_object(302),  # deleted, back to the list
    ),
    "encounters:icd-search": UrlAccess(get=PRESCRIBERS, query="?q=depress", htmx=True),
    "encounters:mdm-levels": UrlAccess(get=ALL_405, post=PRESCRIBERS, htmx=True),
}
