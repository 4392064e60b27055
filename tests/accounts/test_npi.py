"""NPI check digit (Luhn over the 80840 prefix) on clinician profiles."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Clinician, npi_is_valid, validate_npi
from tests.factories import UserFactory, npi_with_check_digit


def test_known_valid_npi_passes():
    assert npi_is_valid("1234567893")


def test_wrong_check_digit_fails():
    assert not npi_is_valid("1234567890")


@pytest.mark.parametrize("npi", ["123456789", "12345678931", "12345678a3", "", "1234 67893"])
def test_npi_must_be_ten_digits(npi):
    assert not npi_is_valid(npi)


@pytest.mark.parametrize("stem", ["123456789", "100000000", "987654321", "155555555"])
def test_exactly_one_check_digit_completes_a_stem(stem):
    valid = [d for d in "0123456789" if npi_is_valid(stem + d)]
    assert valid == [npi_with_check_digit(stem)[-1]]


def test_validator_names_the_check_digit():
    with pytest.raises(ValidationError, match="check digit"):
        validate_npi("1234567890")


@pytest.mark.django_db
def test_clinician_with_an_invalid_npi_does_not_validate():
    clinician = Clinician(
        user=UserFactory(), credential="MD", npi="1234567890", taxonomy_code="2084P0800X"
    )
    with pytest.raises(ValidationError) as refused:
        clinician.full_clean()
    assert list(refused.value.message_dict) == ["npi"]
