"""The engine's version: bumped on every rule change and stored with each signed proposal.

2026.11.3 is engine 2: VC, BA, INJ, FG-3, DX-3, DX-4 and the amended EM-2, EM-3, EM-6, CR-1,
FG-2, TH-3 (docs/coding-rules.md).
"""

from typing import Final

ENGINE_VERSION: Final = "2026.11.3"
