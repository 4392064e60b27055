"""``manage.py import_era FILE``: validate an 835 remittance and post it (claims.era)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.era import era_import

from ._payer_files import acting_biller, add_user_argument, read_text


class Command(BaseCommand):
    help = "Post an 835 remittance file; prints one JSON object with the counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        add_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_biller(options["user"])
        content = read_text(options["file"])
        try:
            _, result = era_import(user=user, name=Path(options["file"]).name, content=content)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(json.dumps(result.to_dict()))
