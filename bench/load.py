"""Load the app as a practice's busy hour would: prescribers and billers at once, over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load \\
        .venv/bin/python bench/load.py [--prescribers 50] [--billers 5] [--seconds 120]
        [--workers 3] [--threads 4] [--port 8765]

Bounded: a fixed number of simulated people, each one request at a time with a pause between
actions, for a fixed time. It creates a scratch database (``test_<name>`` of DATABASE_URL,
dropped at the end), migrates it, loads the demo practice, adds ``--prescribers`` prescribers
(each with a care team of patients with coverage) and ``--billers`` billers, and serves the
app with gunicorn as production would (DEBUG off, whitenoise static files). Each simulated
person signs in with their own session and then works:

- a prescriber opens today's list and a patient, types a visit (the proposal panel refreshes
  at each pause, the draft autosaves), and signs about one visit in three;
- a biller opens the queue, a claim, and takes the next claim.

Every response is checked: a 5xx, a refused connection or an unexpected status is an error.
Prints requests, p50 / p95 / p99 / max per endpoint and the errors, writes the figures to
``var/bench/load.json``, and exits non-zero on any error.
"""

from __future__ import annotations

import argparse
import datetime
import html
import http.cookiejar
import io
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from _timing import percentile  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from proposal_endpoint import random_form  # noqa: E402

PASSWORD = "load-" + secrets.token_hex(8)
PATIENTS_EACH = 6
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
DRAFT_KEY = re.compile(r'name="draft_key" value="([^"]+)"')
RECOMMENDED = re.compile(r'value="recommended" data-shown="([^"]*)"')
REFUSAL = re.compile(r'class="invalid-feedback[^"]*">\s*<p[^>]*><strong>([^<]+)')
CLAIM_LINK = re.compile(r'href="/billing/claims/(\d+)/"')


# ----------------------------------------------------------------------------- the practice
def _practice(prescribers: int, billers: int) -> dict[str, Any]:
    """The demo practice plus the load's users; returns their names and patients."""
    from django.contrib.auth.models import Group, User

    from accounts.models import Clinician
    from encounters.models import Coverage, Patient
    from payers.models import Payer

    call_command("seed_demo", stdout=io.StringIO())
    payers = list(Payer.objects.all())
    rng = random.Random(55)
    people: dict[str, Any] = {"prescribers": [], "billers": []}
    prescriber_group = Group.objects.get(name="Prescriber")
    for n in range(prescribers):
        user = User.objects.create_user(
            f"load.md{n}", password=PASSWORD, first_name="Load", last_name=f"Md{n}"
        )
        user.groups.add(prescriber_group)
        clinician = Clinician.objects.create(
            user=user, credential="MD", npi=_npi(199_000_000 + n), taxonomy_code="2084P0800X"
        )
        patients = Patient.objects.bulk_create(
            Patient(
                first_name=f"Load{n}x{i}",
                last_name=rng.choice(["Lee", "Garcia", "Smith", "Khan", "Novak", "Ortiz"]),
                date_of_birth=datetime.date(1950, 1, 1)
                + datetime.timedelta(days=rng.randint(0, 20000)),
                sex=rng.choice("FM"),
                mrn=f"LOAD{n:03d}{i:03d}",
                address_line1="1 Main St",
                city="Albany",
                state="NY",
                postal_code="12207",
            )
            for i in range(PATIENTS_EACH)
        )
        for patient in patients:
            patient.clinicians.add(clinician)
        coverages = Coverage.objects.bulk_create(
            Coverage(patient=p, payer=rng.choice(payers), member_id=f"L{p.pk:09d}", priority=1)
            for p in patients
        )
        people["prescribers"].append(
            {"username": user.username, "patients": [(c.patient_id, c.pk) for c in coverages]}
        )
    biller_group = Group.objects.get(name="Biller")
    for n in range(billers):
        user = User.objects.create_user(f"load.biller{n}", password=PASSWORD)
        user.groups.add(biller_group)
        people["billers"].append({"username": user.username})
    return people


def _npi(base: int) -> str:
    """A valid NPI from a 9-digit base: the check digit that passes the NPI check."""
    from accounts.models import npi_is_valid

    return next(f"{base:09d}{d}" for d in range(10) if npi_is_valid(f"{base:09d}{d}"))


# ----------------------------------------------------------------------------- measuring
@dataclass
class Results:
    timings: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: list[str] = field(default_factory=list)
    signed: int = 0
    sign_refused: int = 0
    refusals: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, ms: float) -> None:
        with self.lock:
            self.timings[name].append(ms)

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


class Person:
    """One signed-in browser: its own cookies, one request at a time."""

    def __init__(self, base: str, results: Results) -> None:
        self.base = base
        self.results = results
        self.token = ""
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def csrf(self) -> str:
        """The form token of the last page (or the cookie's, when no page held one yet)."""
        return self.token or next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(
        self,
        name: str,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        expect: tuple[int, ...] = (200,),
        htmx: bool = False,
    ) -> tuple[int, str]:
        body = None
        headers = {"Referer": self.base + path}
        if data is not None:
            body = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": self.csrf(), **data}, doseq=True
            ).encode()
            headers["X-CSRFToken"] = self.csrf()
        if htmx:
            headers["HX-Request"] = "true"
        started = time.perf_counter()
        try:
            with self.opener.open(
                urllib.request.Request(self.base + path, data=body, headers=headers), timeout=30
            ) as response:
                status, text = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, text = exc.code, exc.read().decode(errors="replace")
        except OSError as exc:
            self.results.error(f"{name}: {exc}")
            return 0, ""
        self.results.add(name, (time.perf_counter() - started) * 1000)
        if found := TOKEN.search(text):
            self.token = found.group(1)
        if status not in expect:
            self.results.error(f"{name}: HTTP {status} for {path}")
        return status, text

    def sign_in(self, username: str) -> None:
        self.request("login page", "/login/")
        self.request(
            "login",
            "/login/",
            {"username": username, "password": PASSWORD},
            expect=(302,),
        )


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a redirect is an answer to measure, not to follow


def _pause(rng: random.Random, low: float, high: float, until: float) -> bool:
    time.sleep(rng.uniform(low, high))
    return time.monotonic() < until


def prescriber(base: str, me: dict[str, Any], until: float, results: Results, seed: int) -> None:
    rng = random.Random(seed)
    person = Person(base, results)
    person.sign_in(me["username"])
    while time.monotonic() < until:
        person.request("encounter list", "/encounters/all/")
        patient_id, coverage_id = rng.choice(me["patients"])
        person.request("patient", f"/encounters/patients/{patient_id}/")
        new = f"/encounters/patients/{patient_id}/encounters/new/"
        _status, page = person.request("encounter form", new)
        key = DRAFT_KEY.search(page)
        if key is None:
            results.error("encounter form: no draft key")
            return
        form: dict[str, Any] = {}
        for _typing in range(rng.randint(2, 4)):
            if not _pause(rng, 1.0, 3.0, until):
                return
            form = random_form(rng, [coverage_id], [])
            person.request("proposal panel", "/coding/panel/", form, htmx=True)
        form = _complete_visit(rng, coverage_id, key.group(1))
        _status, panel = person.request("proposal panel", "/coding/panel/", form, htmx=True)
        status, answer = person.request("autosave", new, {**form, "action": "autosave"})
        edit = json.loads(answer).get("edit_url") if status == 200 else None
        if edit and rng.random() < 0.35 and (shown := RECOMMENDED.search(panel)):
            signing = {**form, "action": "sign", "coding_option": "recommended"}
            signing["coding_shown"] = html.unescape(shown.group(1))
            status, page = person.request("sign", edit, signing, expect=(200, 302))
            with results.lock:
                if status == 302:
                    results.signed += 1
                else:
                    results.sign_refused += 1
                    results.refusals.extend(REFUSAL.findall(page)[:3])
                    (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
                    (ROOT / "var" / "bench" / "refused.html").write_text(page)
        if not _pause(rng, 1.0, 4.0, until):
            return


def _complete_visit(rng: random.Random, coverage_id: int, draft_key: str) -> dict[str, Any]:
    """A follow-up ready to sign, on a past day at a random hour (rarely overlapping)."""
    start = rng.randrange(8 * 60, 17 * 60, 5)
    day = datetime.date.today() - datetime.timedelta(days=rng.randint(1, 60))

    def hhmm(minutes: int) -> str:
        return f"{minutes // 60:02d}:{minutes % 60:02d}"

    return {
        "draft_key": draft_key,
        "date_of_service": day.isoformat(),
        "coverage": str(coverage_id),
        "setting": "in_person",
        "patient_status": "established",
        "pt_kind": "individual",
        "pt_start": hhmm(start),
        "pt_end": hhmm(start + 30),
        "pt_note": "Worked on sleep and worry with CBT skills.",
        "em_start": hhmm(start + 30),
        "em_end": hhmm(start + 45),
        "mdm_problems": ["stable_chronic_two_plus"],
        "mdm_risk": ["prescription_management"],
        "em_plan": "Continue sertraline 100 mg daily; follow up in 4 weeks.",
        "diagnosis_1": "F41.1",
        "medications-TOTAL_FORMS": "1",
        "medications-INITIAL_FORMS": "0",
        "medications-0-name": "sertraline",
        "medications-0-dose": "100 mg",
        "medications-0-frequency": "daily",
        "medications-0-adherence": "full",
        "medications-0-effect": "improved",
        "medications-0-change": "continued",
        "documentation_acknowledged": "on",
    }


def biller(base: str, me: dict[str, Any], until: float, results: Results, seed: int) -> None:
    rng = random.Random(seed)
    person = Person(base, results)
    person.sign_in(me["username"])
    while time.monotonic() < until:
        _status, queue = person.request("claim queue", "/billing/")
        claims = CLAIM_LINK.findall(queue)
        if claims:
            person.request("claim", f"/billing/claims/{rng.choice(claims)}/")
        if not _pause(rng, 1.0, 3.0, until):
            return
        person.request("next claim", "/billing/next/", {}, expect=(302,))
        if not _pause(rng, 2.0, 5.0, until):
            return


# ----------------------------------------------------------------------------- running
def _serve(port: int, workers: int, threads: int, database_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "AXES_ADDRESS_FAILURE_LIMIT": "1000",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def _report(results: Results, seconds: float, args: argparse.Namespace) -> dict[str, Any]:
    rows = {}
    heads = ("requests", "p50 ms", "p95 ms", "p99 ms", "max ms")
    print(f"\n{'endpoint':<16}" + "".join(f"{h:>9}" for h in heads))
    for name in sorted(results.timings):
        ordered = sorted(results.timings[name])
        row = {
            "requests": len(ordered),
            "p50": percentile(ordered, 50),
            "p95": percentile(ordered, 95),
            "p99": percentile(ordered, 99),
            "max": ordered[-1],
        }
        rows[name] = row
        print(
            f"{name:<16} {row['requests']:>8} {row['p50']:>8.1f} {row['p95']:>8.1f} "
            f"{row['p99']:>8.1f} {row['max']:>8.1f}"
        )
    total = sum(len(t) for t in results.timings.values())
    print(
        f"\n{args.prescribers} prescribers + {args.billers} billers for {seconds:.0f} s: "
        f"{total} requests ({total / seconds:.1f}/s), {results.signed} visits signed "
        f"({results.sign_refused} refused by the form), {len(results.errors)} errors; "
        f"gunicorn {args.workers} workers x {args.threads} threads on {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    for error in results.errors[:20]:
        print("  error:", error)
    for refusal in sorted(set(results.refusals))[:10]:
        print("  sign refused:", refusal.strip())
    return {
        "prescribers": args.prescribers,
        "billers": args.billers,
        "seconds": round(seconds),
        "requests": total,
        "signed": results.signed,
        "errors": len(results.errors),
        "endpoints": rows,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prescribers", type=int, default=50)
    parser.add_argument("--billers", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=120)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to a PostgreSQL database: the load is measured there.")

    from django.test.utils import get_runner

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()
    people = _practice(args.prescribers, args.billers)
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    connection.close()
    server = _serve(args.port, args.workers, args.threads, url)
    results = Results()
    try:
        base = f"http://127.0.0.1:{args.port}"
        until = time.monotonic() + args.seconds
        started = time.monotonic()
        threads = [
            threading.Thread(target=prescriber, args=(base, me, until, results, n))
            for n, me in enumerate(people["prescribers"])
        ] + [
            threading.Thread(target=biller, args=(base, me, until, results, 1000 + n))
            for n, me in enumerate(people["billers"])
        ]
        for thread in threads:
            thread.start()
            time.sleep(0.05)  # people arrive over a few seconds, not in one instant
        for thread in threads:
            thread.join()
        figures = _report(results, time.monotonic() - started, args)
    finally:
        server.terminate()
        server.wait(timeout=30)
        runner.teardown_databases(old)
    out = ROOT / "var" / "bench" / "load.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=2))
    sys.exit(1 if results.errors else 0)


if __name__ == "__main__":
    main()
