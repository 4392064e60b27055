"""Payer data for tests that flush the database: the default payers and fee schedules."""

from __future__ import annotations

import importlib

from django.apps import apps

from tests.factories import payer


def default_fee_schedules() -> None:
    """The data migration's payers and fee schedules again (a transactional flush drops them)."""
    for slug in ("medicare", "medicaid", "commercial"):
        payer(slug)
    importlib.import_module("payers.migrations.0004_default_fee_schedules").load(apps, None)
