"""The engine's version: bumped on every rule change and stored with each signed proposal."""

from typing import Final

ENGINE_VERSION: Final = "2026.11.2"
