"""A payer row as the engine reads it (PY), through `payers.profiles.payer_profile_for`."""

from __future__ import annotations

import dataclasses

import pytest

from coding.engine import PayerProfileError, load_default_payer_profiles
from payers.models import Payer
from payers.profiles import payer_profile_for
from tests.factories import payer

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("slug", ["medicare", "medicaid", "commercial"])
def test_payer_rows_match_the_shipped_default_profiles(slug):
    shipped = load_default_payer_profiles()[slug]
    assert dataclasses.replace(payer_profile_for(payer(slug)), name=shipped.name) == shipped


@pytest.mark.parametrize("slug", ["medicare", "medicaid", "commercial"])
def test_default_payer_rows_are_within_licence_scope(slug):
    profile = payer_profile_for(payer(slug))
    assert profile.em_credentials == {"MD", "DO", "NP", "PA", "CNS"}


@pytest.mark.parametrize(
    ("field", "stored", "message"),
    [
        (
            "em_credentials",
            ["MD", "LCSW"],
            "LCSW cannot bill E/M under any payer: a licence-scope limit (EM-1)",
        ),
        (
            "pharm_mgmt_90863_credentials",
            ["RxP", "NP"],
            "NP cannot bill 90863 under any payer: a licence-scope limit (CB-4)",
        ),
    ],
)
def test_em_1_cb_4_payer_row_beyond_licence_is_refused_naming_the_field(field, stored, message):
    row = payer("commercial")
    setattr(row, field, stored)
    with pytest.raises(PayerProfileError) as caught:
        payer_profile_for(row)
    assert (caught.value.field, caught.value.message) == (field, message)


def test_a_new_payer_row_gets_the_engine_2_cautious_defaults():
    row = Payer.objects.create(slug="acme-health", name="Acme Health", em_credentials=["MD"])
    profile = payer_profile_for(row)
    assert not profile.takes_g2211
    assert profile.brief_assessment_max_units == 3
    assert not profile.discard_modifiers
    assert not profile.ndc_on_drug_lines
    assert not profile.audio_only_home_only


def test_the_medicare_row_holds_its_engine_2_values_as_columns():
    row = payer("medicare")
    assert (row.takes_g2211, row.discard_modifiers, row.audio_only_home_only) == (True,) * 3
    profile = payer_profile_for(row)
    assert profile.takes_g2211
    assert profile.discard_modifiers
    assert profile.audio_only_home_only
