"""Login lockout (django-axes): the client's real address, and a limit per address.

Axes locks a username tried ``AXES_FAILURE_LIMIT`` times from one address. Two things
make that work behind a reverse proxy and against password spraying:

- :func:`client_address` is the address axes keys on. Behind ``TRUSTED_PROXY_COUNT``
  proxies, each appending the address it received from to ``X-Forwarded-For``, the
  client is the entry the outermost trusted proxy appended: the ``TRUSTED_PROXY_COUNT``-th
  from the right. Entries further left were sent by the client and are not trusted.
  With 0 (no proxy) it is ``REMOTE_ADDR``. Without it, every user behind the proxy has
  the proxy's address and five wrong passwords lock a username for everyone.
- :class:`PracticeAxesHandler` adds a second, higher limit per address across usernames
  (``AXES_ADDRESS_FAILURE_LIMIT``): a few tries at many usernames from one address
  (password spraying) lock that address out for the cool-off time.

django-ipware is not used: it is not a dependency, and the one rule above is all we need.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def _address(value: str) -> str | None:
    """``value`` as a normalised IP address, or None when it is not one.

    Some proxies append the port (``203.0.113.5:51234``, ``[2001:db8::1]:51234``).
    """
    value = value.strip()
    if value.startswith("[") and "]" in value:
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_address(request: HttpRequest) -> str | None:
    """The client's address: ``REMOTE_ADDR``, or the one the trusted proxies saw."""
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [
            entry for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if entry
        ]
        # Fewer entries than proxies: the request did not come through them all, so
        # nothing in the header can be trusted; key on the peer that sent it.
        if len(forwarded) >= proxies:
            found = _address(forwarded[-proxies])
            if found is not None:
                return found
    return _address(remote) if remote else None


class PracticeAxesHandler(AxesDatabaseHandler):  # type: ignore[misc]  # axes is untyped
    """Axes' database handler, plus a lockout of an address failing across usernames.

    Axes compares one failure count with one limit (``AXES_FAILURE_LIMIT``, per username
    and address). When the address's failures over every username within the cool-off
    time reach ``AXES_ADDRESS_FAILURE_LIMIT``, the count reported is raised to that limit,
    so axes refuses the address (correct passwords included) as it refuses a username.
    """

    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        failures: int = super().get_failures(request, credentials)
        address = getattr(request, "axes_ip_address", None)
        if address is None:
            return failures
        attempts = AccessAttempt.objects.filter(ip_address=address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        from_address = attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
        if from_address >= settings.AXES_ADDRESS_FAILURE_LIMIT:
            return max(failures, int(get_failure_limit(request, credentials)))
        return failures
