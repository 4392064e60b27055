"""pyx12's faster steps (claims.x12.pyx12_faster) give pyx12's own answers: each step beside
the original, and whole files' verdicts with and without them, broken in many ways after the
good file has been seen (so the remembered valid segments are in place)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Iterator

import pytest
import pyx12.nodeCounter
import pyx12.path
import pyx12.segment
from hypothesis import given
from hypothesis import strategies as st
from pyx12.errors import EngineError, X12PathError

from claims.export import claim_batch_export
from claims.models import ClaimState
from claims.transitions import claim_transition
from claims.x12 import pyx12_faster
from claims.x12.validate import x12_validate
from tests.claims.helpers import signed_claim
from tests.claims.payer_files import Adj, ClaimPay, SvcLine, era_835


@pytest.fixture
def pyx12_both_ways() -> Iterator[None]:
    yield
    pyx12_faster.install()


def verdicts_both_ways(texts: list[str]) -> tuple[list[list[str]], list[list[str]]]:
    faster = [x12_validate(text) for text in texts]
    pyx12_faster.uninstall()
    try:
        original = [x12_validate(text) for text in texts]
    finally:
        pyx12_faster.install()
    return faster, original


def broken_ways(text: str) -> list[str]:
    """``text`` broken at every segment after the envelope's, one way per segment in turn."""
    terminator = "~\n" if "~\n" in text else "~"
    segments = text.split(terminator)
    ways = [
        lambda seg: None,  # dropped
        lambda seg: seg + "*EXTRA",  # an element too many
        lambda seg: seg.replace("*", "*\x07", 1),  # a control character
        lambda seg: seg.replace("*", "*" + "9" * 90, 1),  # too long
        lambda seg: seg.split("*")[0] + "*" * seg.count("*"),  # every element empty
        lambda seg: seg.replace("*", "*ZZ:", 1),  # a composite where an element belongs
    ]
    broken = []
    for index in range(3, len(segments) - 3):
        seg = segments[index]
        changed = ways[index % len(ways)](seg)
        rest = segments[:index] + ([changed] if changed is not None else []) + segments[index + 1 :]
        broken.append(terminator.join(rest))
    return broken


def test_installed_over_the_release_they_were_written_for():
    assert importlib.metadata.version("pyx12") == pyx12_faster.PYX12_VERSION
    assert pyx12_faster.installed()


@pytest.mark.usefixtures("pyx12_both_ways")
def test_835_verdicts_match_pyx12s_own_however_the_file_is_broken():
    good = era_835(
        [
            ClaimPay("C1", "1", "200", "150", lines=[SvcLine("99214", "120", "90")]),
            ClaimPay(
                "C2",
                "4",
                "100",
                "0",
                lines=[SvcLine("90833", "100", "0", adjustments=[Adj("CO", "50", "100")])],
            ),
        ]
    )
    texts = [good, *broken_ways(good), good]
    faster, original = verdicts_both_ways(texts)
    assert faster == original
    assert faster[0] == []
    assert faster[-1] == []
    assert sum(1 for problems in faster if problems) >= len(texts) // 2


@pytest.mark.django_db
@pytest.mark.usefixtures("pyx12_both_ways")
def test_837p_verdicts_match_pyx12s_own_however_the_file_is_broken(prescriber, biller):
    for payer_slug in ("commercial", "medicare"):
        claim = signed_claim(clinician=prescriber.clinician, payer_slug=payer_slug)
        claim_transition(
            user=biller, claim=claim, to_state=ClaimState.APPROVED, version=claim.version
        )
    good = claim_batch_export(user=biller).content
    texts = [good, *broken_ways(good), good]
    faster, original = verdicts_both_ways(texts)
    assert faster == original
    assert faster[0] == []
    assert faster[-1] == []
    assert sum(1 for problems in faster if problems) >= len(texts) // 3


@pytest.mark.usefixtures("pyx12_both_ways")
def test_a_broken_segment_is_reported_every_time_after_its_good_twin():
    good = era_835([ClaimPay("C1", "1", "100", "80", lines=[SvcLine("99213", "100", "80")])])
    broken = good.replace("SVC*HC:99213*100*80**1", "SVC*HC:99213*100*80**1*X*Y*Z*W")
    assert [x12_validate(text) for text in (good, broken, good, broken)] == [
        [],
        x12_validate(broken),
        [],
        x12_validate(broken),
    ]
    assert x12_validate(broken)


PATHS = [
    "/ISA_LOOP",
    "/ISA_LOOP/GS_LOOP",
    "/ISA_LOOP/GS_LOOP/ST_LOOP",
    "/ISA_LOOP/GS_LOOP/ST_LOOP/HEADER",
    "/ISA_LOOP/GS_LOOP/ST_LOOP/HEADER/BHT",
    "/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A",
    "/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A/2010AA/NM1",
    "/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A/2000B",
    "/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A/2000B/2300/CLM",
    "/ISA_LOOP/GS_LOOP/ST_LOOP/DETAIL/2000A/2000BB",
    "/ISA_LOOP/GS_LOOP/ST_LOOP_2",
    "/ISA_LOOP/ISA",
]


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["increment", "reset_to_node", "setCount"]),
            st.sampled_from(PATHS),
            st.booleans(),
            st.integers(0, 5),
        ),
        max_size=40,
    )
)
def test_loop_counts_match_pyx12s_counter(steps):
    faster = pyx12_faster._PathCounter({"/ISA_LOOP": 1})
    original = pyx12.nodeCounter.NodeCounter({"/ISA_LOOP": 1})
    for action, path, as_object, count in steps:
        key = pyx12.path.X12Path(path) if as_object else path
        args = (key, count) if action == "setCount" else (key,)
        getattr(faster, action)(*args)
        getattr(original, action)(*args)
        assert [faster.get_count(p) for p in PATHS] == [original.get_count(p) for p in PATHS]
    assert faster.getState() == original.getState()


def _outcome(parse, segment, ref_des):
    try:
        return parse(segment, ref_des)
    except (EngineError, X12PathError) as exc:
        return type(exc).__name__, str(exc)


@pytest.mark.parametrize(
    "ref_des",
    ["CLM01", "01", "03-1", "CLM05-3", "CLM", "", "07", "SV101-2", "NM109", "ZZ", "[X]01", "1"],
)
def test_reference_designators_read_as_pyx12_reads_them(ref_des):
    segment = pyx12.segment.Segment("CLM*A*100***11:B:1", "~", "*", ":")
    faster = _outcome(pyx12_faster._parse_refdes, segment, ref_des)
    original = _outcome(pyx12_faster._ORIGINALS["_parse_refdes"], segment, ref_des)
    assert faster == original
    if ref_des in ("SV101-2", "NM109"):
        assert faster == ("EngineError", f"Invalid Reference Designator: {ref_des}, seg_id: CLM")


@given(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=12))
def test_control_characters_found_as_pyx12_finds_them(value):
    original = pyx12_faster._ORIGINALS["contains_control_character"]
    assert pyx12_faster._contains_control_character(value) == original(value)


def test_every_control_character_is_found_with_pyx12s_name():
    original = pyx12_faster._ORIGINALS["contains_control_character"]
    for code in range(0x80):
        value = f"AB{chr(code)}C"
        assert pyx12_faster._contains_control_character(value) == original(value), code
