"""The 837P export of 10,000 claims, phase by phase (PostgreSQL).

    DATABASE_URL=postgres://psych_owner@127.0.0.1:5432/psych_x DATABASE_TEST_NAME=bench_export \\
        .venv/bin/python bench/export_837p.py [--claims 10000] [--keepdb] [--existing] \\
        [--profile] [--no-validate] [--out FILE]

Builds ``--claims`` claims as ``bench/claims_at_scale.py`` does (copies of one claim the app
made, ``INSERT ... SELECT``; kept with --keepdb, reused with --existing), approves them all,
then runs the export service (``claim_batch_export`` with the Celery task's progress) inside
a transaction it rolls back (its deferred foreign keys checked at once, as a commit would),
so every run exports the same claims. It prints, from that one
run, the time of each phase: reading the claims (the queries and the model rows), building
the 837P text, pyx12's validation, and the database writes (the lock, the batch, the
transitions, the claims' new state, the access record); the queries; and the load average.
``--profile`` prints cProfile's top functions of everything but the validation;
``--no-validate`` skips pyx12 (to profile the rest); ``--out`` writes the file (with the
date and time pinned, so two runs compare byte for byte). ``--compare-pyx12 N`` then validates
the exported file N more times each way, alternately: with the faster steps
(``claims.x12.pyx12_faster``, their remembered valid segments warm from the export) and with
pyx12's own, and prints both medians, their ratio and that the verdicts are the same.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest.mock import patch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _timing import count_queries  # noqa: E402
from claims_at_scale import Seed  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment, teardown_test_environment  # noqa: E402

PINNED = datetime.datetime(2026, 1, 2, 3, 4, tzinfo=datetime.UTC)


class _Rollback(Exception):
    pass


def _timed(marks: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        marks.setdefault(f"{name}_start", started)
        try:
            return fn(*args, **kwargs)
        finally:
            marks[name] = marks.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def export_once(claims: int, *, validate: bool, profile: bool, out: str) -> str:
    from django.contrib.auth.models import User

    from claims import export as export_module
    from claims.models import ExportJob, ExportJobStatus

    biller = User.objects.get(username="bench.biller")
    marks: dict[str, float] = {}
    x12_validate = export_module.x12_validate if validate else (lambda text: [])
    patches = [
        patch.object(export_module, "build_837p", _timed(marks, "build", export_module.build_837p)),
        patch.object(export_module, "x12_validate", _timed(marks, "validate", x12_validate)),
        patch.object(
            export_module, "_batch_write", _timed(marks, "write", export_module._batch_write)
        ),
    ]
    if out:
        patches.append(patch.object(export_module.timezone, "localtime", lambda: PINNED))
    profiler = cProfile.Profile() if profile else None
    content = ""
    with connection.cursor() as cursor:
        # approved in their own transaction, as a biller approves them (a row changed earlier
        # in the export's transaction would have every foreign key checked again), then the
        # rows earlier runs rolled back are vacuumed away, as autovacuum would
        cursor.execute(
            "UPDATE claims_claim SET state = 'approved', scrub_status = 'clean' "
            "WHERE id IN (SELECT id FROM claims_claim ORDER BY id LIMIT %s) "
            "AND state <> 'approved'",
            [claims],
        )
        cursor.execute("VACUUM ANALYZE claims_claim")
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # the foreign keys are checked as each statement runs, not at a commit that
                # the rollback would skip: the writes' time includes them
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            job = ExportJob.objects.create(created_by=biller, total=claims)

            def progress(status: str, done: int) -> None:
                ExportJob.objects.filter(pk=job.pk).update(status=status, done=done)

            def run() -> None:
                nonlocal content
                for p in patches:
                    p.start()
                try:
                    if profiler:
                        profiler.enable()
                    marks["start"] = time.perf_counter()
                    batch = export_module.claim_batch_export(
                        user=biller, progress=progress, job=job
                    )
                    marks["end"] = time.perf_counter()
                    if profiler:
                        profiler.disable()
                    content = batch.content
                finally:
                    for p in reversed(patches):
                        p.stop()

            queries = count_queries(run)
            job.refresh_from_db()
            assert job.status == ExportJobStatus.DONE, job.error
            raise _Rollback
    except _Rollback:
        pass
    total = marks["end"] - marks["start"]
    read = marks["build_start"] - marks["start"]
    build, check, write = marks["build"], marks.get("validate", 0.0), marks["write"]
    other = total - read - build - check - write
    print(f"export of {claims:,} claims: {total:.2f} s in {queries} queries")
    for label, seconds in (
        ("reading the claims", read),
        ("building the 837P text", build),
        ("pyx12 validation" + ("" if validate else " (skipped)"), check),
        ("database writes", write),
        ("the rest (progress, checks)", other),
    ):
        print(f"  {label:32s} {seconds:7.2f} s  {seconds / claims * 1000:6.3f} ms a claim")
    print(f"  without validation               {total - check:7.2f} s")
    print(f"  {content.count('ST*837*')} ST/SE sets, {len(content):,} bytes")
    if out:
        Path(out).write_text(content)
    if profiler:
        stream = io.StringIO()
        stats = pstats.Stats(profiler, stream=stream)
        stats.sort_stats("tottime").print_stats(30)
        if os.environ.get("BENCH_CALLERS"):
            stats.print_callers(os.environ["BENCH_CALLERS"])
        print(stream.getvalue())
    return content


def compare_pyx12(content: str, rounds: int) -> None:
    from claims.x12 import pyx12_faster
    from claims.x12.validate import x12_validate

    ways = {"faster steps": pyx12_faster.install, "pyx12's own": pyx12_faster.uninstall}
    times: dict[str, list[float]] = {way: [] for way in ways}
    verdicts: dict[str, list[list[str]]] = {way: [] for way in ways}
    for _ in range(rounds):
        for way, put_in_place in ways.items():
            put_in_place()
            started = time.perf_counter()
            verdicts[way].append(x12_validate(content))
            times[way].append(time.perf_counter() - started)
    pyx12_faster.install()
    print(f"pyx12 validation of the file, {rounds} rounds each way, alternately:")
    for way, seconds in times.items():
        each = ", ".join(f"{t:.2f}" for t in seconds)
        print(f"  {way:14s} median {statistics.median(seconds):6.2f} s  ({each})")
    faster, original = (statistics.median(seconds) for seconds in times.values())
    same = verdicts["faster steps"] == verdicts["pyx12's own"]
    print(f"  {original / faster:.1f}x; the same verdicts: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=10_000)
    parser.add_argument("--keepdb", action="store_true", help="keep the scratch database")
    parser.add_argument("--existing", action="store_true", help="reuse a --keepdb database")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--out", default="")
    parser.add_argument("--compare-pyx12", type=int, default=0, metavar="N")
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    setup_test_environment(debug=False)
    old_name = connection.settings_dict["NAME"]
    try:
        if args.existing:
            connection.close()
            connection.settings_dict["NAME"] = connection.creation._get_test_db_name()
        else:
            connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            Seed().grow_to(args.claims)
        content = export_once(
            args.claims, validate=not args.no_validate, profile=args.profile, out=args.out
        )
        if args.compare_pyx12:
            compare_pyx12(content, args.compare_pyx12)
        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    finally:
        if not args.keepdb and not args.existing:
            connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
