"""``manage.py export_claims --out FILE [--dry-run]``: the 837P file of every approved claim.

The queue's export (``claims.export.claim_batch_export``): pyx12 validates the file
before it is written; without ``--dry-run`` the claims become submitted with the batch
number. With ``--dry-run`` the file is written and nothing else changes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from claims.export import claim_batch_export

from ._payer_files import acting_biller, add_user_argument


class Command(BaseCommand):
    help = "Export every approved claim to one 837P file; prints one JSON object."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="Where to write the 837P file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Write the file; change no claim."
        )
        add_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_biller(options["user"])
        out = Path(options["out"])
        if not out.parent.is_dir():
            raise CommandError(f"No directory {out.parent} to write the file in.")
        try:
            # The file is written inside the transaction: if it cannot be, no claim moves.
            with transaction.atomic():
                batch = claim_batch_export(user=user)
                out.write_text(batch.content, encoding="ascii")
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except OSError as exc:
            raise CommandError(f"Cannot write {out}: {exc.strerror}") from None
        self.stdout.write(
            json.dumps(
                {
                    "claims": batch.claim_count,
                    "batch": f"{batch.control_number:09d}",
                    "file": str(out),
                }
            )
        )
