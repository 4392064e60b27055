"""The coding engine: facts of one encounter in, a CPT proposal out. Standard library only.

from coding.engine import facts_from_dict, propose
propose(facts_from_dict(d)).to_dict()   # the proposal JSON of docs/coding-contract.md
"""

from coding.engine.drugs import Drug, DrugTable, DrugTableError, load_default_drug_table
from coding.engine.facts import (
    EmBlock,
    Facts,
    FactsError,
    Injection,
    Mdm,
    Ndc,
    PsychotherapyBlock,
    facts_from_dict,
)
from coding.engine.mdm import (
    PROBLEM_ITEMS,
    RISK_ITEMS,
    DataItems,
    mdm_from_items,
    mdm_level,
)
from coding.engine.payer import (
    LICENCE_CEILING,
    PayerProfile,
    PayerProfileError,
    beyond_licence,
    load_default_payer_profiles,
    within_licence,
)
from coding.engine.proposal import Alternative, Line, Message, Proposal, RuleResult
from coding.engine.propose import propose
from coding.engine.registry import RULES, RuleSpec
from coding.engine.version import ENGINE_VERSION

__all__ = [
    "ENGINE_VERSION",
    "LICENCE_CEILING",
    "PROBLEM_ITEMS",
    "RISK_ITEMS",
    "RULES",
    "Alternative",
    "DataItems",
    "Drug",
    "DrugTable",
    "DrugTableError",
    "EmBlock",
    "Facts",
    "FactsError",
    "Injection",
    "Line",
    "Mdm",
    "Message",
    "Ndc",
    "PayerProfile",
    "PayerProfileError",
    "Proposal",
    "PsychotherapyBlock",
    "RuleResult",
    "RuleSpec",
    "beyond_licence",
    "facts_from_dict",
    "load_default_drug_table",
    "load_default_payer_profiles",
    "mdm_from_items",
    "mdm_level",
    "propose",
    "within_licence",
]
