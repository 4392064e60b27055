"""Code and modifier shapes: the one check every entry point and the claim scrubber use."""

from __future__ import annotations

import pytest

from coding.engine.codes import (
    LABELS,
    MAX_MODIFIERS,
    MODIFIERS,
    CodeToken,
    CodeTokenError,
    code_error,
    modifiers_error,
    parse_code_token,
)
from coding.engine.payer import VIDEO_MODIFIERS, load_default_payer_profiles


@pytest.mark.parametrize("code", ["99214", "90833", "0001F", "0042T", "G2212", "J3490"])
def test_cpt_and_hcpcs_shapes_are_accepted(code: str) -> None:
    assert code_error(code) is None


@pytest.mark.parametrize(
    "code", ["", "9921", "992145", "99213-X~Q*", "9921A", "GG212", "g2212", "9921\u0663", "99 14"]
)
def test_anything_else_is_not_a_code_and_the_message_says_what_a_code_looks_like(
    code: str,
) -> None:
    error = code_error(code)
    assert error is not None
    assert "5 digits" in error or "Enter a code" in error


def test_every_engine_code_has_a_code_shape() -> None:
    assert [code for code in LABELS if code_error(code) is not None] == []


def test_the_modifiers_the_engine_and_payer_data_add_are_allowed() -> None:
    """PY (25 with an add-on), TH-2 (95/GT), TH-3 (93) and the shipped payer profiles."""
    assert {"25", "93", *VIDEO_MODIFIERS} <= MODIFIERS
    for profile in load_default_payer_profiles().values():
        assert profile.audio_modifier in MODIFIERS
        assert profile.video_modifier is None or profile.video_modifier in MODIFIERS


def test_the_modifier_list_holds_the_usual_psychiatry_and_billing_modifiers() -> None:
    usual = "25 59 95 93 FQ FR GT GQ GA GY GZ KX XE XP XS XU HO HN AH AJ HE JZ JW GC GE SA"
    assert {*usual.split(), "UA", "UB", "UC", "UD", "76", "77", "TC", "26"} <= MODIFIERS
    assert all(len(m) == 2 and m.isascii() and m.isalnum() and m == m.upper() for m in MODIFIERS)


def test_a_modifier_outside_the_list_is_named_with_the_allowed_list() -> None:
    error = modifiers_error(["25", "X~"])
    assert error is not None
    assert "X~" in error
    assert "25, 26" in error
    assert "XU" in error


@pytest.mark.parametrize(
    ("modifiers", "words"),
    [(["25", "25"], "twice"), (["25", "59", "95", "GT", "XU"], f"at most {MAX_MODIFIERS}")],
)
def test_repeated_or_too_many_modifiers_are_refused(modifiers: list[str], words: str) -> None:
    error = modifiers_error(modifiers)
    assert error is not None
    assert words in error


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("99214", CodeToken("99214")),
        (" 99214-25 ", CodeToken("99214", ("25",))),
        ("90833-95-gt", CodeToken("90833", ("95", "GT"))),
        ("g2212", CodeToken("G2212")),
    ],
)
def test_a_typed_code_token_is_parsed_into_code_and_modifiers(text: str, token: CodeToken) -> None:
    assert parse_code_token(text) == token


@pytest.mark.parametrize(
    ("text", "named"),
    [("99213-X~Q*", "X~Q*"), ("99213*X~", "99213*X~"), ("99214-25-ZZ", "ZZ"), ("-25", "code")],
)
def test_a_malformed_code_token_raises_a_message_naming_the_bad_part(text: str, named: str) -> None:
    with pytest.raises(CodeTokenError) as caught:
        parse_code_token(text)
    assert named in caught.value.message
