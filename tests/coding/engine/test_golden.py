"""The engine answers every recorded case exactly as it did when the file was recorded.

tests/data/engine-golden.json.gz was recorded (`tests/coding/engine/golden.py`) before the
engine was made faster (issue 14): the public examples, the bench's random encounters and
facts drawn by hypothesis, each under its payer's shipped profile and a flipped one. A
difference anywhere (a line's rule ids, a message's text or field, an alternative's order)
fails, naming the case and the profile.
"""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from coding.engine import ENGINE_VERSION
from tests.coding.engine.golden import GOLDEN, answer


def _golden() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(gzip.decompress(GOLDEN.read_bytes()))
    return data


GOLDEN_DATA = _golden()


def test_the_recording_covers_the_examples_the_bench_and_hypothesis() -> None:
    ids = [str(record["facts"]["id"]) for record in GOLDEN_DATA["cases"]]
    assert len([i for i in ids if i.startswith(("ex-", "e2-"))]) == 24
    assert len([i for i in ids if i.startswith("b")]) >= 900
    assert len(ids) > 2500
    # every branch the answers can take is in the recording
    answers = [a for record in GOLDEN_DATA["cases"] for a in record["answers"]]
    assert any(a["alternatives"] for a in answers)
    assert any(a["has_errors"] for a in answers)
    assert any(a["place_of_service"] == "10" for a in answers)
    assert any(m["level"] == "warning" for a in answers for m in a["messages"])


def test_the_recording_is_of_this_engine_version() -> None:
    # A rule change bumps ENGINE_VERSION and, deliberately, re-records the file.
    versions = {a["engine_version"] for r in GOLDEN_DATA["cases"] for a in r["answers"]}
    assert versions == {ENGINE_VERSION}


@pytest.mark.parametrize("chunk", range(8))
def test_every_recorded_case_gets_the_recorded_answer(chunk: int) -> None:
    profiles = [None, *GOLDEN_DATA["profiles"]]
    for record in GOLDEN_DATA["cases"][chunk::8]:
        for profile, expected in zip(profiles, record["answers"], strict=True):
            got = answer(record["facts"], profile)
            where = f"case {record['facts']['id']!r}, profile {profile and profile['slug']}"
            assert got == expected, where
