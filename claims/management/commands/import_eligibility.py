"""``manage.py import_eligibility FILE``: read a payer's 271 into the coverages it answers
for (claims.eligibility)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.eligibility import eligibility_import

from ._payer_files import acting_biller, add_user_argument, read_text


class Command(BaseCommand):
    help = (
        "Import a 271 eligibility response; prints one JSON object with the coverages "
        "checked, changed and inactive, and the patients it could not be tied to."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        add_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_biller(options["user"])
        content = read_text(options["file"])
        try:
            result = eligibility_import(
                user=user, name=Path(options["file"]).name, data=content.encode("ascii", "replace")
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(json.dumps(result.to_dict()))
