from django.conf import settings
from django.http import HttpRequest

from .roles import Role, role_of


def role(request: HttpRequest) -> dict[str, object]:
    """Expose the user's role to templates (for the navigation bar)."""
    # A mapping, not the enum class: templates call callables, and calling Role() fails,
    # so ``Role.PRESCRIBER`` would silently resolve to "" and hide the navigation.
    return {"user_role": role_of(request.user), "Role": {r.name: r for r in Role}}


def session_limits(request: HttpRequest) -> dict[str, object]:
    """The idle limit in seconds, for the page's countdown and its "Stay signed in" warning."""
    return {"session_idle_seconds": settings.SESSION_COOKIE_AGE}
