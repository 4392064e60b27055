"""What the coding engine proposed for an encounter when it was signed, and what was chosen.

Stored at signing (``coding.services.signed_proposal_store``) with the engine
version and the rule ids behind each line, so an audit can see what the
engine said then, even after the rules change.
"""

from typing import Any

from django.db import models

from accounts.triggers import AppendOnly
from coding.engine.claim_lines import BilledLine, lines_text
from encounters.models import Encounter


class SignedProposal(models.Model):
    encounter = models.OneToOneField(
        Encounter, on_delete=models.PROTECT, related_name="signed_proposal"
    )
    engine_version = models.CharField(max_length=32)
    facts = models.JSONField(help_text="The facts the engine read, as facts_from_dict takes them.")
    proposal = models.JSONField(help_text="Proposal.to_dict() of the engine at signing.")
    chosen_option = models.CharField(
        max_length=32,
        help_text="'recommended', 'alternative-N' (index in the proposal) or 'custom'.",
    )
    chosen_lines = models.JSONField(
        help_text="The lines billed: [{code, units, modifiers}], E/M first."
    )
    rule_ids = models.JSONField(default=list, help_text="Rule ids the engine cited.")
    override_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(chosen_option="custom") | ~models.Q(override_reason=""),
                name="override_needs_reason",
            )
        ]
        triggers = [AppendOnly(name="signed_proposal_append_only")]

    def __str__(self) -> str:
        return f"Encounter {self.encounter_id}: {lines_text(self.chosen(), empty='nothing billed')}"

    def chosen(self) -> tuple[BilledLine, ...]:
        """The lines the clinician chose, as billed lines (pointers are the claim's)."""
        return tuple(BilledLine.from_dict(line) for line in self.chosen_lines or [])

    def proposed(self) -> tuple[BilledLine, ...]:
        """The lines the engine proposed at signing (its recommendation)."""
        return tuple(BilledLine.from_dict(line) for line in self._stored("lines"))

    def engine_errors(self) -> tuple[tuple[str, str], ...]:
        """(rule id, text) of each error the engine raised on the signed facts."""
        return tuple(
            (str(m.get("rule", "")), str(m.get("text", "")))
            for m in self._stored("messages")
            if isinstance(m, dict) and m.get("level") == "error"
        )

    def _stored(self, key: str) -> list[Any]:
        proposal = self.proposal if isinstance(self.proposal, dict) else {}
        value = proposal.get(key) or []
        return value if isinstance(value, list) else []

    @property
    def differs_from_proposal(self) -> bool:
        return self.chosen_option != "recommended"
