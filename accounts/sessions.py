"""The session store: Django's database sessions, kept a minute past the idle limit.

The idle limit (`SESSION_IDLE_MINUTES`, `SESSION_COOKIE_AGE`) is counted on the server from
the session's last write. Writing it on every request (`SESSION_SAVE_EVERY_REQUEST`) cost the
live panel an UPDATE per keystroke pause (issue 14); `IdleTimeoutMiddleware` now writes it at
most once a minute (`IDLE_WRITE_INTERVAL`). So that a session never ends before the limit
measured from the user's last request (the page's countdown and its "Stay signed in" count
from there), each write keeps the row that minute longer: an idle user is signed out between
the limit and a minute after it, never earlier.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.sessions.backends.db import SessionStore as DbSessionStore

IDLE_WRITE_INTERVAL = 60  # seconds


class SessionStore(DbSessionStore):
    """Database sessions whose row outlives the idle limit by `IDLE_WRITE_INTERVAL`."""

    def create_model_instance(self, data: dict[str, Any]) -> Any:
        session = super().create_model_instance(data)
        session.expire_date += dt.timedelta(seconds=IDLE_WRITE_INTERVAL)
        return session
