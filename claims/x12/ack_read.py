"""999 and 277CA acknowledgements read into plain dataclasses (pure Python).

A 999 (005010X231A1) answers a whole 837P file: AK1 names our group control number (GS06,
the export batch's number), each AK2/IK5 accepts or rejects one transaction set and IK3/IK4
say which segment and element were wrong. A 277CA (005010X214) answers claim by claim: the
patient-level TRN*2 carries our claim number (CLM01), STC its status category (A1/A2
accepted, A3/A4/A6/A7/A8 rejected) and code, and REF*1K the payer's claim number.
"""

from __future__ import annotations

from dataclasses import dataclass

from .read import Segment, X12ReadError, loops, x12_segments

# IK304 (segment syntax error) and IK403 (element error) in our words.
_IK3_CODES = {
    "1": "unrecognised segment",
    "2": "unexpected segment",
    "3": "required segment missing",
    "4": "loop occurs too often",
    "5": "segment exceeds its maximum use",
    "7": "segment not in the defined transaction set",
    "8": "segment has data element errors",
    "I4": "segment not used in this implementation",
    "I6": "implementation dependent segment missing",
    "I9": "implementation loop occurs too few times",
}
_IK4_CODES = {
    "1": "required element missing",
    "2": "conditional element missing",
    "3": "too many elements",
    "4": "value too short",
    "5": "value too long",
    "6": "invalid character",
    "7": "invalid code value",
    "8": "invalid date",
    "9": "invalid time",
    "I10": "value not used in this implementation",
    "I12": "value does not match the implementation pattern",
    "I13": "implementation dependent element missing",
}
ACCEPTED_277 = frozenset({"A0", "A1", "A2", "A5"})
REJECTED_277 = frozenset({"A3", "A4", "A6", "A7", "A8"})


@dataclass(frozen=True)
class SetAck:
    """A 999's answer to one 837P transaction set of a file."""

    group_control: str  # AK102 = our GS06 = ExportBatch.control_number
    set_control: str  # AK202 = our ST02
    accepted: bool
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class ClaimAck:
    """A 277CA's answer to one claim."""

    claim_reference: str  # TRN02 at the patient level = our CLM01
    accepted: bool
    status: str  # STC01 as sent, e.g. A7:21
    payer_claim_number: str = ""


def _errors(segs: list[Segment]) -> tuple[str, ...]:
    out = []
    for seg in segs:
        if seg.id == "IK3":
            what = _IK3_CODES.get(seg.get(4), f"error {seg.get(4)}")
            out.append(f"segment {seg.get(1)} at position {seg.get(2)}: {what}")
        elif seg.id == "IK4":
            element = seg.components(1)[0]
            what = _IK4_CODES.get(seg.get(3), f"error {seg.get(3)}")
            bad = f" ({seg.get(4)!r})" if seg.get(4) else ""
            out.append(f"element {element}: {what}{bad}")
    return tuple(out)


def ack_999_read(text: str) -> list[SetAck]:
    """Each transaction set a 999 answers, accepted or rejected with the errors named."""
    segments = x12_segments(text)
    ak1 = next((s for s in segments if s.id == "AK1"), None)
    if ak1 is None:
        raise X12ReadError("The 999 has no AK1 segment naming the file it answers.")
    out = []
    for group in loops(segments, "AK2", frozenset({"AK9", "SE"})):
        ik5 = next((s for s in group if s.id == "IK5"), None)
        code = ik5.get(1) if ik5 else ""
        out.append(
            SetAck(
                group_control=ak1.get(2),
                set_control=group[0].get(2),
                accepted=code in ("A", "E"),  # E: accepted with errors noted
                errors=_errors(group),
            )
        )
    if not out:
        # No AK2: the answer is for the whole group (AK9).
        ak9 = next((s for s in segments if s.id == "AK9"), None)
        code = ak9.get(1) if ak9 else ""
        out.append(SetAck(ak1.get(2), "", code in ("A", "E", "P")))
    return out


def ack_277ca_read(text: str) -> list[ClaimAck]:
    """Each claim a 277CA answers (the patient-level HL loops with a TRN*2 and an STC)."""
    segments = x12_segments(text)
    out = []
    for hl in loops(segments, "HL", frozenset({"SE"})):
        if hl[0].get(3) != "PT":
            continue
        trn = next((s for s in hl if s.id == "TRN" and s.get(1) == "2"), None)
        stc = next((s for s in hl if s.id == "STC"), None)
        if trn is None or stc is None:
            continue
        category = stc.components(1)[0]
        ref = next((s for s in hl if s.id == "REF" and s.get(1) == "1K"), None)
        out.append(
            ClaimAck(
                claim_reference=trn.get(2),
                accepted=category in ACCEPTED_277 and category not in REJECTED_277,
                status=stc.get(1),
                payer_claim_number=ref.get(2) if ref else "",
            )
        )
    return out
