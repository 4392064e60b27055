"""Celery tasks of the audit: thin wrappers around the services, idempotent by construction."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from .sampling import parse_month, previous_month
from .services import audit_month_draw


def sample_as_dict(sample: Any) -> dict[str, Any]:
    """The JSON form of a sample, as the task returns and the command prints it."""
    return {
        "month": sample.month_label,
        "seed": sample.seed,
        "population": sample.population_size,
        "encounters": list(
            sample.items.order_by("position").values_list("encounter_id", flat=True)
        ),
    }


@shared_task(
    name="audits.audit_sample_draw_task",
    autoretry_for=(OperationalError, InterfaceError),  # the database went away; try again
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
    soft_time_limit=60,
    time_limit=90,
    acks_late=True,  # safe: a repeated draw returns the stored sample (AU-2)
)
def audit_sample_draw_task(month: str | None = None) -> dict[str, Any]:
    """Draw ``month`` ('YYYY-MM'), or the previous month, unless it is already drawn; then
    the follow-up re-audits its month calls for (each drawn once)."""
    target = parse_month(month) if month else previous_month(timezone.localdate())
    return sample_as_dict(audit_month_draw(month=target))
