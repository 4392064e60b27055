"""Hypothesis profiles for the engine's property tests: "ci" when CI is set, else "dev".

ENGINE_HYPOTHESIS_EXAMPLES overrides the number of examples of either profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_override = os.environ.get("ENGINE_HYPOTHESIS_EXAMPLES")
_common = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("ci", max_examples=int(_override or 10_000), **_common)
settings.register_profile("dev", max_examples=int(_override or 500), **_common)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
