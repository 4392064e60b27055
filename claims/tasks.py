"""Celery tasks of billing: thin wrappers around the services."""

from __future__ import annotations

from celery import shared_task

from .export import export_job_run


# Not retried and not acknowledged late: a job that started is not run again (it would find
# its claims changed); a lost one stops blocking new exports after EXPORT_JOB_LOST_AFTER.
@shared_task(
    name="claims.claim_export_task",
    retry_backoff=False,
    # pyx12 checks about a thousand claims a few seconds on one core: a day of a billing
    # service's claims fits, and the hard limit plus the retry delay stays under Redis'
    # visibility timeout (20 minutes).
    soft_time_limit=14 * 60,
    time_limit=15 * 60,
)
def claim_export_task(job_id: int) -> dict[str, object]:
    """Write the 837P file of an export job (``claims.export.export_job_run``)."""
    job = export_job_run(job_id=job_id)
    return {"job": job.pk, "status": job.status, "batch": job.batch_id}
