"""Helpers the bench scripts share: counting a request's queries, reading percentiles, and
copying a template row the app made into many rows in SQL."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection


def count_queries(request: Callable[[], Any]) -> int:
    """Queries one request runs (counted at the cursor: request signals reset the debug log)."""
    count = 0

    def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    # the wrapper list lives on the connection object, which outlives each request's socket
    connection.execute_wrappers.append(counter)
    try:
        request()
    finally:
        connection.execute_wrappers.remove(counter)
    return count


def percentile(sorted_ms: list[float], pct: float) -> float:
    """The nearest-rank percentile of already sorted timings."""
    index = min(len(sorted_ms) - 1, max(0, round(pct / 100 * len(sorted_ms)) - 1))
    return sorted_ms[index]


def table_columns(table: str) -> list[str]:
    """The columns of ``table`` but its id, in table order."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND column_name <> 'id' ORDER BY ordinal_position",
            [table],
        )
        return [row[0] for row in cursor.fetchall()]


def copy_sql(table: str, overrides: dict[str, str], source: str) -> str:
    """INSERT INTO ``table`` every column of the template row ``t`` but the ``overrides``."""
    columns = table_columns(table)
    exprs = [overrides.get(c, f't."{c}"') for c in columns]
    quoted = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({quoted}) SELECT {', '.join(exprs)} {source}"


def timed(request: Callable[[], Any], rounds: int, warm: int = 3) -> list[float]:
    """Milliseconds of ``rounds`` calls of ``request`` after ``warm`` untimed ones, sorted."""
    for _ in range(warm):
        request()
    timings = []
    for _ in range(rounds):
        started = time.perf_counter_ns()
        request()
        timings.append((time.perf_counter_ns() - started) / 1e6)
    return sorted(timings)


def timing_line(
    label: str, timings: list[float], bare: float, queries: int, width: int = 40
) -> str:
    """One page's line of a bench's table: p50, p95, the median's ratio to the bare view's
    median (``bare``), the page's queries."""
    p50 = statistics.median(timings)
    return (
        f"{label:{width}s} p50 {p50:8.1f} ms  p95 {percentile(timings, 95):8.1f} ms"
        f"  {p50 / bare:6.1f}x bare  {queries} queries"
    )
