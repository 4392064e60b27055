"""Celery tasks of billing: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .export import export_job_run


@shared_task(name="claims.claim_export_task", soft_time_limit=4 * 60, time_limit=5 * 60)
def claim_export_task(job_id: int) -> dict[str, object]:
    """Write the 837P file of an export job (``claims.export.export_job_run``)."""
    job = export_job_run(job_id=job_id)
    return {"job": job.pk, "status": job.status, "batch": job.batch_id}
