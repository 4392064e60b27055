"""The engine's recorded answers (tests/data/engine-golden.json.gz), and how they were made.

Recorded before the engine was made faster (issue 14), so `test_golden.py` proves the faster
engine answers every recorded case exactly as the engine before it did: each line's code,
units, modifiers and rule ids, the place of service, the E/M detail, every alternative and
every message (level, rule, text, field).

The cases: the public examples in tests/data/coding-cases, the bench's random encounters
(`bench/engine_throughput.py`), and facts drawn by hypothesis from the property tests'
strategy (`test_invariants.facts_dicts`). Each case runs under its payer's shipped profile and
under every profile of `profile_variants()` (the shipped ones with each payer switch turned
the other way), so the payer-driven branches are recorded too. Only a deliberate rule change
(a new `ENGINE_VERSION`) may re-record the file:

    .venv/bin/python -m tests.coding.engine.golden
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from coding.engine import facts_from_dict, load_default_payer_profiles, propose
from coding.engine.payer import PayerProfile

GOLDEN = Path(__file__).resolve().parents[2] / "data" / "engine-golden.json.gz"
CASES = Path(__file__).resolve().parents[2] / "data" / "coding-cases"

_FLIPPED = (
    "modifier_25_with_addon",
    "takes_g2211",
    "modifier_25_with_96127",
    "brief_assessment_telehealth_modifier",
    "audio_only_home_only",
    "discard_modifiers",
    "ndc_on_drug_lines",
    "audio_only_covered",
)


def profile_variants() -> list[dict[str, object]]:
    """Every shipped profile with all its switches flipped, its prolonged code and video
    modifier swapped, and its credential lists at the licence limit."""
    variants = []
    for profile in load_default_payer_profiles().values():
        d = profile.to_dict()
        for key in _FLIPPED:
            d[key] = not d[key]
        d["slug"] = f"{profile.slug}-flipped"
        d["prolonged_code"] = "99417" if profile.prolonged_code == "G2212" else "G2212"
        d["video_modifier"] = "GT" if profile.video_modifier != "GT" else "95"
        d["brief_assessment_max_units"] = 1
        d["em_credentials"] = ["MD", "DO", "NP", "PA", "CNS", "RxP", "psychologist"]
        d["pharm_mgmt_90863_credentials"] = ["RxP"]
        d["telehealth_in_person_waiver_until"] = "2025-06-30"
        variants.append(d)
    return variants


def answer(facts: dict[str, Any], profile: dict[str, object] | None) -> dict[str, object]:
    """The engine's full answer for one case, as the UI and the signed proposal keep it."""
    payer = PayerProfile.from_dict(profile) if profile is not None else None
    proposal = propose(facts_from_dict(facts), payer=payer)
    out = proposal.to_display_dict()
    out["has_errors"] = proposal.has_errors
    return out


def _example_cases() -> list[dict[str, Any]]:
    cases = []
    for name in ("examples.jsonl", "examples-2.jsonl"):
        for line in (CASES / name).read_text("utf-8").splitlines():
            if line.strip():
                case = json.loads(line)
                case.pop("expected", None)
                cases.append(case)
    return cases


def _bench_cases(count: int) -> list[dict[str, Any]]:
    import random
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "bench"))
    from engine_throughput import random_case

    rng = random.Random(20261101)
    return [random_case(rng, n) for n in range(count)]


def _hypothesis_cases(count: int) -> list[dict[str, Any]]:
    from hypothesis import HealthCheck, given, settings

    from tests.coding.engine.test_invariants import facts_dicts

    drawn: list[dict[str, Any]] = []

    @settings(
        max_examples=count,
        database=None,
        derandomize=True,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(facts_dicts)
    def collect(d: dict[str, Any]) -> None:
        drawn.append(d)

    collect()
    return drawn


def record() -> None:
    """Run every case through today's engine and write the golden file."""
    cases = _example_cases() + _bench_cases(1000) + _hypothesis_cases(2000)
    variants = profile_variants()
    records = []
    for case in cases:
        try:
            facts_from_dict(case)
        except ValueError:
            continue  # the parser's refusals are tested in test_facts.py
        answers = [answer(case, None)] + [answer(case, v) for v in variants]
        records.append({"facts": case, "answers": answers})
    data = {"profiles": variants, "cases": records}
    GOLDEN.write_bytes(gzip.compress(json.dumps(data, sort_keys=True).encode(), mtime=0))
    print(f"{len(records)} cases x {1 + len(variants)} profiles -> {GOLDEN}")


if __name__ == "__main__":
    record()
