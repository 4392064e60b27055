from django.http import HttpRequest

from .roles import Role, role_of


def role(request: HttpRequest) -> dict[str, object]:
    """Expose the user's role to templates (for the navigation bar)."""
    return {"user_role": role_of(request.user), "Role": Role}
