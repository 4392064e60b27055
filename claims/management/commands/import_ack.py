"""``manage.py import_ack FILE``: validate a 999 or 277CA and apply it (claims.acks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from claims.acks import ack_import

from ._payer_files import acting_biller, add_user_argument, read_text


class Command(BaseCommand):
    help = "Apply a 999 or 277CA acknowledgement; prints one JSON object with the counts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        add_user_argument(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        user = acting_biller(options["user"])
        content = read_text(options["file"])
        try:
            _, result = ack_import(user=user, name=Path(options["file"]).name, content=content)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(json.dumps(result.to_dict()))
