"""Who may open which URL: one table per app, checked against the URLconf by test_access_matrix.

Every module in this package defines ``ACCESS``: a dict from a URL name
(``namespace:name``) to a :class:`UrlAccess`. The matrix test imports every module
here, so a new app adds ``tests/access_tables/<app>.py`` and nothing else. A URL in
the URLconf without an entry fails the test, as does an entry for a URL that
does not exist.

Expected results are given per role for ``ROLES``. ``LOGIN`` means "302 to the
login page". The usual statuses: the owner 200, another prescriber 404 (the object
is not theirs, and its existence is not revealed), a role without access 403.

``kwargs`` and ``post_data`` are callables taking the :class:`AccessSetup`, which
holds a user per role and builds the shared objects on first use; an app's table
may build its own objects with ``setup.cached("name", builder)``.
"""

from __future__ import annotations

import datetime
import importlib
import pkgutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.models import User
from django.db import models

LOGIN = "login"
ROLES = ("anonymous", "prescriber", "other_prescriber", "biller", "compliance", "admin")

Expected = Mapping[str, int | str]


def expect(
    *,
    anonymous: int | str = LOGIN,
    prescriber: int | str = 403,
    other_prescriber: int | str | None = None,
    biller: int | str = 403,
    compliance: int | str = 403,
    admin: int | str = 403,
) -> dict[str, int | str]:
    """Statuses per role; ``other_prescriber`` defaults to the prescriber's unless given."""
    return {
        "anonymous": anonymous,
        "prescriber": prescriber,
        "other_prescriber": prescriber if other_prescriber is None else other_prescriber,
        "biller": biller,
        "compliance": compliance,
        "admin": admin,
    }


def own_object(status: int = 200) -> dict[str, int | str]:
    """The prescriber's own record: the owner gets ``status``, another prescriber 404."""
    return expect(prescriber=status, other_prescriber=404)


def everyone(status: int = 200) -> dict[str, int | str]:
    """Any logged-in user (with any role) gets ``status``; anonymous users go to login."""
    return expect(prescriber=status, biller=status, compliance=status, admin=status)


@dataclass(frozen=True)
class UrlAccess:
    get: Expected
    kwargs: Callable[[AccessSetup], dict[str, Any]] | None = None
    post: Expected | None = None
    post_data: Callable[[AccessSetup], dict[str, Any]] | None = None
    query: str = ""
    # The patient or encounter the page shows: opening it must write an access record.
    shows: Callable[[AccessSetup], models.Model] | None = None
    htmx: bool = False
    note: str = ""


@dataclass
class AccessSetup:
    """A user per role and the records the tables point at, built on first use."""

    users: dict[str, User | None]
    _cache: dict[str, Any] = field(default_factory=dict)

    def user(self, role: str) -> User | None:
        return self.users[role]

    def build_all(self, tables: Mapping[str, tuple[str, UrlAccess]]) -> None:
        """Every record the tables point at, made now: a module-wide setup builds them once,
        before its tests, rather than on first use inside a test's rolled-back savepoint."""
        for _name, (_module, spec) in sorted(tables.items()):
            for build in (spec.kwargs, spec.post_data, spec.shows):
                if build is not None:
                    build(self)

    def built(self) -> frozenset[str]:
        """The names of the records built so far (``cached`` ones and the properties)."""
        return frozenset(self.__dict__) | frozenset(self._cache)

    @contextmanager
    def nothing_built_inside(self) -> Iterator[AccessSetup]:
        """Fail a test that builds a shared record: its savepoint rolls the rows back while
        the setup, shared by the module, would keep pointing at them."""
        before = self.built()
        yield self
        added = self.built() - before
        assert not added, f"built inside a test, not in build_all: {sorted(added)}"

    @property
    def prescriber(self) -> User:
        user = self.users["prescriber"]
        assert user is not None
        return user

    @property
    def other_prescriber(self) -> User:
        user = self.users["other_prescriber"]
        assert user is not None
        return user

    def cached(self, name: str, build: Callable[[AccessSetup], Any]) -> Any:
        if name not in self._cache:
            self._cache[name] = build(self)
        return self._cache[name]

    @cached_property
    def patient(self) -> Any:
        """A patient on the prescriber's care team, with commercial coverage."""
        from tests.factories import CoverageFactory, PatientFactory

        patient = PatientFactory()
        patient.clinicians.add(self.prescriber.clinician)
        CoverageFactory(patient=patient)
        return patient

    @cached_property
    def draft(self) -> Any:
        """A draft encounter of the prescriber's, with one diagnosis."""
        from tests.factories import EncounterDiagnosisFactory, EncounterFactory

        encounter = EncounterFactory(
            patient=self.patient,
            clinician=self.prescriber.clinician,
            coverage=self.patient.coverages.first(),
        )
        EncounterDiagnosisFactory(encounter=encounter)
        return encounter

    @cached_property
    def signed(self) -> Any:
        """A signed encounter of the prescriber's, signed through the signing service."""
        from claims.signing import visit_sign
        from tests.factories import (
            EncounterDiagnosisFactory,
            EncounterFactory,
            MedicationReviewFactory,
        )

        encounter = EncounterFactory(
            patient=self.patient,
            clinician=self.prescriber.clinician,
            coverage=self.patient.coverages.first(),
            date_of_service=datetime.date.today() - datetime.timedelta(days=2),
        )
        EncounterDiagnosisFactory(encounter=encounter)
        MedicationReviewFactory(encounter=encounter)  # the drug management the MDM claims
        return visit_sign(user=self.prescriber, encounter=encounter).encounter


def load_tables() -> dict[str, tuple[str, UrlAccess]]:
    """Every table in this package: URL name -> (module name, access spec).

    A URL named in two tables is an error: one app owns each URL.
    """
    found: dict[str, tuple[str, UrlAccess]] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        table = getattr(module, "ACCESS", None)
        if not isinstance(table, dict):
            raise TypeError(f"{module.__name__} must define ACCESS = {{url_name: UrlAccess}}")
        for name, spec in table.items():
            if name in found:
                raise ValueError(f"{name} is in both {found[name][0]} and {info.name}")
            if not isinstance(spec, UrlAccess):
                raise TypeError(f"{info.name}: ACCESS[{name!r}] is not a UrlAccess")
            for expected in (spec.get, spec.post or {}):
                missing = set(ROLES) - set(expected)
                if expected and missing:
                    raise ValueError(f"{info.name}: {name} gives no status for {sorted(missing)}")
            found[name] = (info.name, spec)
    return found
