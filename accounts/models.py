"""Clinician profiles, the record of every access to health information, password resets."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from .triggers import AppendOnly


def npi_is_valid(npi: str) -> bool:
    """True when ``npi`` is 10 digits whose last digit is the Luhn check digit.

    NPIs are checked with the Luhn formula over the 9 digits prefixed by the
    card issuer prefix 80840 (CMS NPI standard).
    """
    if len(npi) != 10 or not (npi.isascii() and npi.isdigit()):
        return False
    digits = [int(c) for c in "80840" + npi[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


def validate_npi(value: str) -> None:
    if not npi_is_valid(value):
        raise ValidationError(
            "Enter the 10-digit NPI; its last digit must match the NPI check digit.",
            code="npi",
        )


class Credential(models.TextChoices):
    MD = "MD", "MD"
    DO = "DO", "DO"
    NP = "NP", "Nurse practitioner (NP)"
    PA = "PA", "Physician assistant (PA)"
    CNS = "CNS", "Clinical nurse specialist (CNS)"
    RXP = "RxP", "Prescribing psychologist (RxP)"
    PSYCHOLOGIST = "psychologist", "Psychologist"
    LCSW = "LCSW", "LCSW"
    LPC = "LPC", "LPC"
    LMFT = "LMFT", "LMFT"


PRESCRIBING_CREDENTIALS = frozenset({"MD", "DO", "NP", "PA", "CNS", "RxP"})


class Clinician(models.Model):
    """A prescriber or therapist who renders services and signs notes."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="clinician"
    )
    credential = models.CharField(max_length=16, choices=Credential.choices)
    npi = models.CharField("NPI", max_length=10, unique=True, validators=[validate_npi])
    taxonomy_code = models.CharField(
        max_length=10, help_text="Health care provider taxonomy code, e.g. 2084P0800X"
    )
    state_license = models.CharField(max_length=32, blank=True)
    license_state = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]

    def __str__(self) -> str:
        return f"{self.display_name}, {self.credential}"

    @property
    def display_name(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def is_prescriber(self) -> bool:
        return self.credential in PRESCRIBING_CREDENTIALS


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed"
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    SIGN = "sign", "Signed"
    EXPORT = "export", "Exported"
    PRINT = "print", "Printed"
    # On user accounts (object auth.User): the sign-in events a practice must be able to trace.
    RESET_ISSUE = "reset_issue", "Issued a password reset"
    RESET_USE = "reset_use", "Set a password with a reset"
    PASSWORD_CHANGE = "password_change", "Changed own password"


class AccessRecord(models.Model):
    """Who touched which record holding health information, when, and how.

    A record of one object names it by ``object_type`` and ``object_id``; a record of a
    list page names the kind of rows in ``object_type`` and leaves ``object_id`` blank.
    Either way ``patient_ids`` names every patient the response showed, so the access
    log finds a patient's records whatever page showed them.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    role = models.CharField(max_length=32, blank=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    # The ids of the patients shown (encounters.Patient; a plain list, not a relation, so
    # accounts stays below encounters and a list page costs one INSERT).
    # The database's default covers rows written without the field (older migrations' models).
    patient_ids = models.JSONField(
        default=list, db_default=models.Value([], models.JSONField()), blank=True
    )
    action = models.CharField(max_length=16, choices=AccessAction.choices)
    path = models.CharField(max_length=255, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        triggers = [AppendOnly(name="access_record_append_only")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.object_type}#{self.object_id} at {self.at}"

    @property
    def is_list(self) -> bool:
        """True for the record of a list page (no single object, the patients it showed)."""
        return not self.object_id


class PasswordReset(models.Model):
    """A one-time password reset a practice admin issued for a user.

    The token is shown once to the admin who hands it over; only its SHA-256 is kept, so
    the table cannot be used to reset anyone. It is usable until ``expires_at``, once:
    ``used_at`` is set in the transaction that sets the password, and a newer reset for
    the same user ends an older one (its ``expires_at`` moves to the moment it was replaced).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_resets"
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gte=models.F("issued_at")),
                name="password_reset_expires_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True)
                | models.Q(used_at__gte=models.F("issued_at")),
                name="password_reset_used_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"Password reset for {self.user} issued {self.issued_at:%Y-%m-%d %H:%M}"
