"""Time `propose()` over a few thousand random, realistic encounters; print proposals/second.

    .venv/bin/python bench/engine_throughput.py [--cases 5000] [--rounds 5] [--parse]

The facts are built once (with a fixed seed) so the loop times the engine, not the
generator; --parse also times `facts_from_dict` on each case. Goal (issue 14): 50,000+/s on
one core. The figure is also given in CPU time of this process, which other load on the
machine inflates less than the wall clock.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from coding.engine import facts_from_dict, propose  # noqa: E402

LEVELS = ("minimal", "low", "moderate", "high")


def random_case(rng: random.Random, n: int) -> dict[str, Any]:
    """One plausible encounter: mostly med management with or without therapy."""
    clinician = rng.choice(
        ["MD", "MD", "NP", "NP", "PA", "DO", "RxP", "LCSW", "LPC", "psychologist"]
    )
    kind = rng.choices(
        ["individual", "crisis", "family_with_patient", "family_without_patient", "group", None],
        weights=[50, 4, 5, 2, 5, 34],
    )[0]
    therapy = None if kind is None else {"kind": kind, "minutes": rng.randint(5, 90)}
    em = None
    if rng.random() < 0.6:
        mdm = (
            None
            if rng.random() < 0.2
            else {k: rng.choice(LEVELS) for k in ("problems", "data", "risk")}
        )
        em = {"minutes": rng.randint(0, 80), "mdm": mdm}
    setting = rng.choice(["in_person", "in_person", "video", "audio"])
    return {
        "id": f"b{n}",
        "patient_status": rng.choice(["new", "established", "established", "established"]),
        "clinician": clinician,
        "payer": rng.choice(["medicare", "medicaid", "commercial"]),
        "setting": setting,
        "patient_at_home": rng.random() < 0.7,
        "psychotherapy": therapy,
        "em": em,
        "pharmacologic_management": rng.random() < 0.5,
        "interactive_complexity": rng.random() < 0.1,
        "diagnostic_evaluation": rng.choice([None] * 12 + ["without_medical", "with_medical"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--parse", action="store_true", help="include facts_from_dict")
    args = parser.parse_args()

    rng = random.Random(20261101)
    raw = [random_case(rng, n) for n in range(args.cases)]
    parsed = [facts_from_dict(d) for d in raw]
    propose(parsed[0])  # load the payer profiles outside the timing

    best = best_cpu = 0.0
    for _ in range(args.rounds):
        start, cpu_start = time.perf_counter(), time.process_time()
        if args.parse:
            for d in raw:
                propose(facts_from_dict(d)).to_dict()
        else:
            for facts in parsed:
                propose(facts)
        elapsed = time.perf_counter() - start
        best = max(best, args.cases / elapsed)
        best_cpu = max(best_cpu, args.cases / max(time.process_time() - cpu_start, 1e-9))
    what = "facts_from_dict + propose + to_dict" if args.parse else "propose"
    print(
        f"{what}: {best:,.0f} proposals/second, {best_cpu:,.0f} per CPU second "
        f"(best of {args.rounds} x {args.cases} cases)"
    )


if __name__ == "__main__":
    main()
