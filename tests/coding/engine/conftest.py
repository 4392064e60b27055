"""Hypothesis profiles for the engine's property tests: "ci" when CI is set, else "dev".

ENGINE_HYPOTHESIS_EXAMPLES overrides the number of examples of either profile; `make fuzz`
runs them with 20,000. CI draws new examples on every run (it keeps no example database),
and the recorded answers (tests/data/engine-golden.json.gz) pin every case once drawn, so
CI's share is sized to keep the whole suite within its time.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_override = os.environ.get("ENGINE_HYPOTHESIS_EXAMPLES")
_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("ci", max_examples=int(_override or 2_000), **_common)
settings.register_profile("dev", max_examples=int(_override or 500), **_common)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
