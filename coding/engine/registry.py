"""RULES: every rule id of docs/coding-rules.md, with its function and a one-line summary.

Like Django's system-check ids, a rule id is stable and documented; every message and every
line of a proposal cites ids registered here. The AU rules (chart audits) live in the
audits app, not in the engine: they are registered with `function=None` and their home.

What the rules say about lines already billed (a claim, a chart under audit) is the second
table, `claim_lines.CLAIM_CHECKS`, keyed by the same ids; its checks call the family
modules, so each rule still has one implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

import coding.engine.rules.ba_brief_assessment as ba
import coding.engine.rules.cb_combinations as cb
import coding.engine.rules.cr_crisis as cr
import coding.engine.rules.dg_diagnoses as dg
import coding.engine.rules.dx_diagnostic_eval as dx
import coding.engine.rules.em_level as em
import coding.engine.rules.fg_family_group as fg
import coding.engine.rules.ic_interactive as ic
import coding.engine.rules.inj_injections as inj
import coding.engine.rules.pt_psychotherapy as pt
import coding.engine.rules.py_payer as py
import coding.engine.rules.th_telehealth as th
import coding.engine.rules.vc_visit_complexity as vc
from coding.engine.proposal import RuleResult

ENGINE: Final = "coding.engine"
AUDITS: Final = "audits app (outside the engine)"


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """One rule: its id, a one-line summary, the function that applies it, and where it lives."""

    rule_id: str
    summary: str
    function: Callable[..., RuleResult] | None
    implemented_in: str = ENGINE


def _spec(rule_id: str, summary: str, function: Callable[..., RuleResult] | None) -> RuleSpec:
    return RuleSpec(rule_id, summary, function, ENGINE if function is not None else AUDITS)


RULES: Final[Mapping[str, RuleSpec]] = MappingProxyType(
    {
        spec.rule_id: spec
        for spec in (
            _spec("PT-1", "individual psychotherapy by its own minutes (16/38/53)", pt.rule_pt_1),
            _spec("PT-2", "under 16 min no psychotherapy code; minutes said", pt.rule_pt_2),
            _spec("PT-3", "E/M and psychotherapy blocks counted separately", pt.rule_pt_3),
            _spec("PT-4", "psychotherapy minutes are face-to-face minutes", pt.rule_pt_4),
            _spec("EM-1", "E/M only for the payer's E/M credentials, within licence", em.rule_em_1),
            _spec("EM-2", "E/M level by MDM: middle value of the three", em.rule_em_2),
            _spec("EM-3", "E/M level by total E/M time of the date (block + other)", em.rule_em_3),
            _spec("EM-4", "MDM only with an add-on; else higher of MDM and time", em.rule_em_4),
            _spec("EM-5", "no E/M under the lowest level; never 99211", em.rule_em_5),
            _spec("EM-6", "prolonged code by payer at 99205/99215 by total time", em.rule_em_6),
            _spec("EM-7", "new patient: no service in the last 3 years", em.rule_em_7),
            _spec("CB-1", "E/M by MDM + 90833/90836/90838", cb.rule_cb_1),
            _spec("CB-2", "E/M alone when psychotherapy is absent or short", cb.rule_cb_2),
            _spec("CB-3", "psychotherapy alone when no billable E/M", cb.rule_cb_3),
            _spec("CB-4", "90863 with 90832/90834/90837, for an RxP the payer lists", cb.rule_cb_4),
            _spec("CB-5", "medication work without E/M is not billable (warning)", cb.rule_cb_5),
            _spec("CB-6", "pharmacologic management by a non-prescriber: error", cb.rule_cb_6),
            _spec("CB-7", "nothing billable: no lines and an error saying why", cb.rule_cb_7),
            _spec("CB-8", "one individual psychotherapy code per day", cb.rule_cb_8),
            _spec("IC-1", "90785 once with an evaluation or psychotherapy code", ic.rule_ic_1),
            _spec("IC-2", "no 90785 with crisis, family, bare E/M or 90863", ic.rule_ic_2),
            _spec(
                "CR-1",
                "crisis: 90839 at 30 min, 90840 per 30 min; under 30 individual",
                cr.rule_cr_1,
            ),
            _spec("CR-2", "crisis day: no E/M (coder review), no 90785/90863", cr.rule_cr_2),
            _spec("FG-1", "family psychotherapy 90846/90847 at 26 min", fg.rule_fg_1),
            _spec(
                "FG-2", "group psychotherapy 90853 per session; warn without minutes", fg.rule_fg_2
            ),
            _spec("FG-3", "family/group + E/M: E/M stand-alone, coder review", fg.rule_fg_3),
            _spec("DX-1", "90792 needs an E/M-capable clinician, else 90791", dx.rule_dx_1),
            _spec("DX-2", "evaluation day: no E/M, psychotherapy or crisis", dx.rule_dx_2),
            _spec("DX-3", "intake: the E/M path is an alternative to the evaluation", dx.rule_dx_3),
            _spec("DX-4", "90791 with MDM or medication work: 90792 alternative", dx.rule_dx_4),
            _spec("TH-1", "in person: POS 11", th.rule_th_1),
            _spec("TH-2", "video: POS 10/02, payer's video modifier", th.rule_th_2),
            _spec("TH-3", "audio-only: modifier 93, payer coverage, home only", th.rule_th_3),
            _spec("TH-4", "warn after the payer's in-person waiver date", th.rule_th_4),
            _spec("DG-1", "claim lines point to 1-4 of at most 12 diagnoses", dg.rule_dg_1),
            _spec("DG-2", "diagnoses are billable ICD-10-CM leaf codes", dg.rule_dg_2),
            _spec("DG-3", "psychotherapy needs chapter F or an accepted Z-code", dg.rule_dg_3),
            _spec("PY", "payer behaviour from PayerProfile data (section 10)", py.rule_py),
            _spec("VC-1", "G2211 beside an office E/M for continuing care", vc.rule_vc_1),
            _spec("VC-2", "no G2211 when the E/M carries modifier 25", vc.rule_vc_2),
            _spec("VC-3", "no G2211 without an E/M or beside family/group", vc.rule_vc_3),
            _spec("BA-1", "96127 one unit per scored instrument", ba.rule_ba_1),
            _spec("BA-2", "96127 units capped at the payer's daily maximum", ba.rule_ba_2),
            _spec("BA-3", "modifier 25 on the E/M beside 96127 by payer data", ba.rule_ba_3),
            _spec("INJ-1", "96372 per injection, drug line by dose / billing unit", inj.rule_inj_1),
            _spec("INJ-2", "modifier 25 on an E/M beside an injection", inj.rule_inj_2),
            _spec("INJ-3", "JZ/JW on single-dose drug lines by payer data", inj.rule_inj_3),
            _spec("INJ-4", "NDC on drug lines by payer data: warn until recorded", inj.rule_inj_4),
            _spec("AU-1", "monthly reproducible random draw of signed encounters", None),
            _spec("AU-2", "one draw per month; redrawing returns the same sample", None),
            _spec("AU-3", "review outcomes and accuracy = supported / reviewed", None),
        )
    }
)
