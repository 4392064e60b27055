"""pyx12's four hottest steps, done faster with the same verdicts.

pyx12 is pure Python and spends most of an 837P's validation on bookkeeping, not on checks:
profiled over a 10,000-claim file (190,000 segments), these four steps took about half of it.

- **Loop and segment counts** (``NodeCounter``): pyx12 keys its counts by path objects whose
  hash formats the path anew on every lookup, and on entering a loop it formats and splits
  every counted path to find the loop's children. ``_PathCounter`` keys the counts by the
  path's text and finds the children by its prefix (``a/b`` is a child of ``a`` exactly when
  it starts with ``a/``).
- **Reference designators** (``Segment._parse_refdes``): ``seg.get("CLM01")`` parses
  ``"CLM01"`` with a regular expression on every call; the parse of each designator is kept.
- **Control characters** (``validation.contains_control_character``): builds two tables of
  23 characters for every element; one search for any of them answers the common case (none),
  and the original runs when there is one, so its message is the same.
- **Segments seen valid** (``segment_if.is_valid_errors``): a segment's own checks (lengths,
  codes, data types, syntax rules) depend only on the map's segment and the segment's
  elements, so a segment with exactly the same elements as one the same map segment found
  valid is valid. Each map segment remembers up to ``VALID_KEPT`` valid element lists; a
  segment with any error is never remembered, so its errors are reported every time. The
  loop walk (counts, order, required loops) still runs for every segment.

These replace pyx12's own internals, so they are installed only over the pyx12 release they
were written and tested against (``PYX12_VERSION``); under any other release pyx12 runs
untouched. ``tests/claims/test_pyx12_faster.py`` checks each against pyx12's original and that
they are installed.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import pyx12.map_if._segment
import pyx12.map_walker
import pyx12.path
import pyx12.segment
import pyx12.validation
from pyx12.errors import EngineError

PYX12_VERSION = "4.0.0"
VALID_KEPT = 1024

_ORIGINALS: dict[str, Any] = {
    "NodeCounter": pyx12.map_walker.NodeCounter,
    "_parse_refdes": pyx12.segment.Segment._parse_refdes,
    "contains_control_character": pyx12.validation.contains_control_character,
    "is_valid_errors": pyx12.map_if._segment.segment_if.is_valid_errors,
}


class _PathCounter:
    """pyx12's loop and segment counter, keyed by each path's text."""

    def __init__(self, initialCounts: Mapping[str | pyx12.path.X12Path, int] | None = None) -> None:  # noqa: N803 - pyx12's name
        self._counts: dict[str, int] = {}
        for path, count in (initialCounts or {}).items():
            self._counts[_text(path)] = count

    def reset_to_node(self, xpath: str | pyx12.path.X12Path) -> None:
        prefix = _text(xpath) + "/"
        for child in [path for path in self._counts if path.startswith(prefix)]:
            del self._counts[child]

    def increment(self, xpath: str | pyx12.path.X12Path) -> None:
        path = _text(xpath)
        self._counts[path] = self._counts.get(path, 0) + 1

    def setCount(self, xpath: str | pyx12.path.X12Path, ct: int) -> None:  # noqa: N802 - pyx12's name
        self._counts[_text(xpath)] = ct

    def get_count(self, xpath: str | pyx12.path.X12Path) -> int:
        return self._counts.get(_text(xpath), 0)

    def getState(self) -> OrderedDict[pyx12.path.X12Path, int]:  # noqa: N802 - pyx12's name
        return OrderedDict((pyx12.path.X12Path(path), n) for path, n in self._counts.items())


def _text(xpath: str | pyx12.path.X12Path) -> str:
    return xpath if isinstance(xpath, str) else xpath.format()


@functools.lru_cache(maxsize=1024)
def _refdes(ref_des: str) -> tuple[str | None, int | None, int | None]:
    path = pyx12.path.X12Path(ref_des)
    element = path.ele_idx - 1 if path.ele_idx is not None else None
    component = path.subele_idx - 1 if path.subele_idx is not None else None
    return path.seg_id, element, component


def _parse_refdes(self: pyx12.segment.Segment, ref_des: str) -> tuple[int | None, int | None]:
    seg_id, element, component = _refdes(ref_des)
    if seg_id is not None and seg_id != self.seg_id:
        raise EngineError(f"Invalid Reference Designator: {ref_des}, seg_id: {self.seg_id}")
    return element, component


# pyx12's two tables: BEL HT LF VT FF CR FS GS RS US, and SOH-ACK DC1-DC4 NAK SYN ETB.
_CONTROL = re.compile("[\x01-\x07\x09-\x0d\x11-\x17\x1c-\x1f]")


def _contains_control_character(
    str_val: str, charset: str = "B", icvn: str = "00401"
) -> tuple[bool, str | None]:
    if _CONTROL.search(str_val) is None:
        return (False, None)
    found: tuple[bool, str | None] = _ORIGINALS["contains_control_character"](
        str_val, charset, icvn
    )
    return found


def _is_valid_errors(
    self: pyx12.map_if._segment.segment_if, seg_data: pyx12.segment.Segment
) -> tuple[bool, list[Any]]:
    elements = (
        seg_data.seg_id,
        tuple(tuple(element.value for element in comp.elements) for comp in seg_data.elements),
    )
    seen: set[Any] | None = self.__dict__.get("_seen_valid")
    if seen is None:
        seen = self.__dict__["_seen_valid"] = set()
    if elements in seen:
        return True, []
    ok, errors = _ORIGINALS["is_valid_errors"](self, seg_data)
    if ok and not errors:
        if len(seen) >= VALID_KEPT:
            seen.clear()
        seen.add(elements)
    return ok, errors


def installed() -> bool:
    return pyx12.map_walker.NodeCounter is _PathCounter


def install() -> bool:
    """Put the faster steps in place over pyx12 ``PYX12_VERSION``; False under another release."""
    if importlib.metadata.version("pyx12") != PYX12_VERSION:
        return False
    pyx12.map_walker.NodeCounter = _PathCounter
    pyx12.segment.Segment._parse_refdes = _parse_refdes
    pyx12.validation.contains_control_character = _contains_control_character
    pyx12.map_if._segment.segment_if.is_valid_errors = _is_valid_errors
    return True


def uninstall() -> None:
    """pyx12's own steps back (the tests compare verdicts both ways)."""
    pyx12.map_walker.NodeCounter = _ORIGINALS["NodeCounter"]
    pyx12.segment.Segment._parse_refdes = _ORIGINALS["_parse_refdes"]
    pyx12.validation.contains_control_character = _ORIGINALS["contains_control_character"]
    pyx12.map_if._segment.segment_if.is_valid_errors = _ORIGINALS["is_valid_errors"]
