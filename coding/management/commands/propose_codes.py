"""`manage.py propose_codes FILE|-`: facts in, proposals out, one JSON object a line.

The contract of docs/coding-contract.md: same order and same `id` as the input (a string
or a whole number, echoed as given); a line that is not valid facts (bad JSON or bad fields)
gets a proposal with no lines, an `error` naming the field and, where one rule reads that
field, an error message citing it; the command goes on. Exit 0 once every line is read;
exit 2 only when the file itself cannot be read. Extra keys (e.g. `expected`) are ignored.
Engine 2's fields (`em.other_minutes`, `longitudinal_care`, `brief_assessments`,
`injections`) are read by `facts_from_dict`, and every line's `modifiers` are written.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coding.engine import FactsError, Proposal, facts_from_dict, propose
from coding.engine.facts import facts_id_of
from coding.engine.proposal import error_proposal


def proposal_for_line(text: str) -> Proposal:
    """The proposal for one input line, or an error proposal naming the bad field."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return error_proposal(None, "line", f"not valid JSON ({exc.msg})")
    try:
        facts = facts_from_dict(raw)
    except FactsError as exc:
        return error_proposal(facts_id_of(raw), exc.field, exc.message, exc.rule)
    return propose(facts)


class Command(BaseCommand):
    help = "Propose CPT codes for each facts object of a JSON Lines file (or - for stdin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="JSON Lines file of encounter facts, or - for stdin")

    def handle(self, *args: Any, **options: Any) -> None:
        path: str = options["file"]
        if path == "-":
            self._run(sys.stdin)
            return
        try:
            with open(path, encoding="utf-8") as handle:
                lines = handle.readlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {path}: {exc}", returncode=2) from exc
        self._run(lines)

    def _run(self, lines: Iterable[str] | TextIO) -> None:
        for text in lines:
            if not text.strip():
                continue
            proposal = proposal_for_line(text)
            self.stdout.write(json.dumps(proposal.to_dict()))
