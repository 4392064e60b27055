"""Payer data for tests that flush the database: the default payers, fee schedules, drugs."""

from __future__ import annotations

import importlib

from django.apps import apps

from tests.factories import payer


def default_fee_schedules() -> None:
    """The data migrations' payers, drug table and fee schedules again (a transactional flush
    drops them)."""
    for slug in ("medicare", "medicaid", "commercial"):
        payer(slug)
    for migration in (
        "0004_default_fee_schedules",
        "0011_default_drug_table",
        "0012_engine_2_default_fees",
    ):
        importlib.import_module(f"payers.migrations.{migration}").load(apps, None)
