"""Settings for every environment, read from the environment.

With no environment at all the app runs on an embedded default: a SQLite file
under ``var/`` and Celery tasks executed eagerly in the web process. Setting
``DATABASE_URL`` and ``REDIS_URL`` switches to PostgreSQL and a real broker;
nothing exists only in production.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# --- Secret key and debug mode (issue 10) ----------------------------------------------
# A deployment sets SECRET_KEY (50+ random characters) and runs with DEBUG off: with
# DEBUG=false and no SECRET_KEY the app refuses to start (every manage.py command, the
# web server and the worker), rather than sign sessions with a key anyone can read here.
# With no SECRET_KEY at all DEBUG defaults to on: a local run on a development key, which
# never reaches production because setting a key turns DEBUG off unless DEBUG=true.
SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=not SECRET_KEY)
if not SECRET_KEY:
    if not DEBUG:
        # SystemExit, not ImproperlyConfigured: manage.py lets commands such as `shell` run
        # without settings after the latter; nothing should run without a key.
        raise SystemExit(
            "Refusing to start: SECRET_KEY is not set and DEBUG is false. Set SECRET_KEY to "
            "50 or more random characters (README.md, 'Security and operations'), or "
            "DEBUG=true for a local development run."
        )
    SECRET_KEY = (  # with DEBUG on only; check --deploy flags the prefix (security.W009)
        "django-insecure-local-development-key-set-SECRET_KEY-anywhere-shared"  # noqa: S105
    )
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "crispy_forms",
    "crispy_bootstrap5",
    "template_partials",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "pgtrigger",
    "accounts",
    "encounters",
    "coding",  # before claims: its signing hook stores the proposal the claim is built from
    "payers",
    "claims",
    "audits",
]

MIDDLEWARE = [
    "config.middleware.NoStoreMiddleware",  # first: covers every response a signed-in user gets
    "django.middleware.security.SecurityMiddleware",
    "config.static_files.StaticFilesMiddleware",  # WhiteNoise: hashed files cached a year
    "django.middleware.gzip.GZipMiddleware",  # pages, not static files (already compressed)
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.IdleTimeoutMiddleware",  # the idle limit written once a minute at most
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoStepMiddleware",  # after OTPMiddleware: the code before any page
    "accounts.middleware.SignedOutMiddleware",  # htmx/fetch of a signed-out user: no login page
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "config.middleware.UnreadableInputMiddleware",  # last: a NUL reaches no view, page has nav
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role",
                "accounts.context_processors.session_limits",
                "claims.context_processors.claim_questions",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
# Keep connections between requests (the live panel posts on every keystroke pause).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not Django's shared in-memory default: the browser tests' live server
    # answers the page's parallel htmx requests on threads that each need a connection.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test.sqlite3")}
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A request's transaction takes the write lock when it begins: the draft's autosave
    # (read, then write) runs beside the panel's requests (each saves the session), and
    # SQLite refuses a deferred transaction's late upgrade at once ("database is locked")
    # instead of waiting for the timeout.
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The test run's throwaway database (default: Django's test_<NAME>), for a server whose
# databases must carry a given prefix.
if env.str("DATABASE_TEST_NAME", default=""):
    DATABASES["default"].setdefault("TEST", {})["NAME"] = env.str("DATABASE_TEST_NAME")

# Authentication and sessions
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "accounts.backends.UserBackend",  # the user with their role and clinician, one query
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.password_validation.NotCurrentPasswordValidator"},
]
# A practice admin's one-time password reset (a link handed to the user) ends after this.
PASSWORD_RESET_HOURS = env.int("PASSWORD_RESET_HOURS", default=24)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"
# Idle sessions expire: the expiry moves on with every request.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=15)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_ENGINE = "accounts.sessions"  # database sessions a minute past the idle limit
SESSION_SAVE_EVERY_REQUEST = False  # accounts.middleware.IdleTimeoutMiddleware: once a minute
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"  # a signed-out script is told to sign in
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Lock an account out after repeated failed logins (django-axes).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 0.25  # hours (the lockout page says 15 minutes)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# --- Lockout behind a reverse proxy, and password spraying (issue 10) ------------------
# Behind a proxy every request comes from the proxy's address, so five wrong passwords
# would lock a username for everyone. TRUSTED_PROXY_COUNT is the number of proxies in
# front of the app that append to X-Forwarded-For (0: none, REMOTE_ADDR is the client);
# accounts.lockout.client_address reads the client's address from it (axes' ipware
# settings need django-ipware, which is not installed). A second limit per address across
# usernames, higher than the per-username one, locks out password spraying.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.lockout.client_address"
AXES_HANDLER = "accounts.lockout.PracticeAxesHandler"
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
if TRUSTED_PROXY_COUNT < 0 or AXES_ADDRESS_FAILURE_LIMIT <= AXES_FAILURE_LIMIT:
    raise SystemExit(
        "Refusing to start: TRUSTED_PROXY_COUNT must be 0 or more, and "
        "AXES_ADDRESS_FAILURE_LIMIT (failures from one address over all usernames) must be "
        "higher than AXES_FAILURE_LIMIT (failures of one username from one address)."
    )

# Content Security Policy: scripts and styles come from our own static files only.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    },
}

# --- HTTPS (issue 10) ------------------------------------------------------------------
# HTTPS=true when the app is served over TLS, directly or behind a proxy that sets
# X-Forwarded-Proto (and strips it from clients): plain HTTP is redirected, browsers are
# told to use HTTPS only (HSTS: a year, subdomains, preload-ready; HSTS_SECONDS=3600 for
# a first rollout), and the session and CSRF cookies travel over HTTPS only.
# SECURE_COOKIES (above) stays as the older, cookies-only alias: HTTPS includes it.
HTTPS = env.bool("HTTPS", default=False)
SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = env.int("HSTS_SECONDS", default=365 * 24 * 60 * 60) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS or SESSION_COOKIE_SECURE

LANGUAGE_CODE = "en-us"
# The practice's time zone: every clock the app shows, fills in or checks (the visit timers in
# the browser included) reads this one zone, whatever zone the browser or server is in.
TIME_ZONE = env.str("TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "config.static_files.HashedStaticFilesStorage"},
}

# Plausibility bounds the encounter form and the signing service enforce (a draft keeps
# anything; signing refuses values beyond these).
ENCOUNTER_MAX_PSYCHOTHERAPY_MINUTES = env.int("ENCOUNTER_MAX_PSYCHOTHERAPY_MINUTES", default=240)
ENCOUNTER_MAX_MED_MANAGEMENT_MINUTES = env.int("ENCOUNTER_MAX_MED_MANAGEMENT_MINUTES", default=120)
ENCOUNTER_MAX_MDM_COUNT = env.int("ENCOUNTER_MAX_MDM_COUNT", default=20)

# Signing a visit: lock and mark it signed, keep the engine's proposal, build the claim, in
# one transaction (claims/signing.py). The encounter form, below claims in the app layers,
# reaches it by this name.
SIGNING_SERVICE = "claims.signing.visit_sign"
# The live panel's prior authorization warnings (SC-AUTH): used visits are counted from
# claim lines, so coding (below claims) reaches the check by this name.
AUTHORIZATION_CHECK = "claims.authorization_usage.authorization_check_for_visit"

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Celery: with no REDIS_URL tasks run eagerly in-process.
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
# --- When a worker dies or Redis is down (issue 10) -------------------------------------
# Redis gives a task nobody acknowledged to another worker after the visibility timeout
# (its default: an hour). It must exceed the longest a task may hold its message: the
# hard time limit plus the longest retry countdown (the audit draw backs off up to 600 s),
# or a slow task would run twice. 20 minutes; a test checks it against every task.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": 20 * 60,
    "socket_connect_timeout": 2,
    "socket_timeout": 2,
}
# Acknowledge after running only tasks that are safe to repeat: per task (acks_late=True
# on the audit draw, idempotent by AU-2), never by default.
CELERY_TASK_ACKS_LATE = False
# ...and such a task whose worker process was killed goes back on the queue at once.
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Queueing while Redis is down fails in a few seconds, not after ~19 s of reconnecting
# (the result store's 20 retries), nor hangs on a Redis that accepts and never answers.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 2
few_retries = {"max_retries": 1, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}
CELERY_TASK_PUBLISH_RETRY_POLICY = few_retries
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": few_retries}
CELERY_TIMEZONE = TIME_ZONE
# Beat runs the audit draw daily, not only on the 1st: the task draws the previous month
# only if it is not drawn yet (AU-2), so a 1st missed while the worker or Redis was down is
# caught up on the next run after they come back.
AUDIT_DRAW_HOUR = 2  # local time; the audit home says the draw is late an hour after it
CELERY_BEAT_SCHEDULE = {
    "audit-sample-draw": {
        "task": "audits.audit_sample_draw_task",
        "schedule": crontab(hour=AUDIT_DRAW_HOUR, minute=0),  # every day at 02:00 local time
    },
}

# Chart audits (docs/coding-rules.md AU-1, AU-3)
AUDIT_SAMPLE_SIZE = env.int("AUDIT_SAMPLE_SIZE", default=5)
# Per-prescriber coverage of the monthly draw (AU-1): each prescriber who signed visits in
# the month gets at least this many charts a month and a quarter, beyond the practice-wide
# AUDIT_SAMPLE_SIZE (0 and 0: no minimum, the plain practice-wide draw).
AUDIT_MIN_CHARTS_PER_PRESCRIBER_MONTH = env.int("AUDIT_MIN_CHARTS_PER_PRESCRIBER_MONTH", default=1)
AUDIT_MIN_CHARTS_PER_PRESCRIBER_QUARTER = env.int(
    "AUDIT_MIN_CHARTS_PER_PRESCRIBER_QUARTER", default=5
)
# Focused (probe) audits: the largest sample compliance may start (Medicare's targeted
# reviews take 20-40 claims a round).
AUDIT_FOCUSED_MAX_SIZE = env.int("AUDIT_FOCUSED_MAX_SIZE", default=100)
AUDIT_FOCUSED_DEFAULT_SIZE = env.int("AUDIT_FOCUSED_DEFAULT_SIZE", default=30)
# A prescriber below AUDIT_ACCURACY_TARGET in a month's sample gets a follow-up re-audit of
# the next month's charts, this many, drawn with that month's sample.
AUDIT_FOLLOW_UP = env.bool("AUDIT_FOLLOW_UP", default=True)
AUDIT_FOLLOW_UP_SIZE = env.int("AUDIT_FOLLOW_UP_SIZE", default=5)
# CARCs that deny a claim for its documentation (focused audits of such denials).
AUDIT_DOCUMENTATION_DENIAL_CARCS = env.list(
    "AUDIT_DOCUMENTATION_DENIAL_CARCS", default=["50", "150", "151", "226", "252"]
)
AUDIT_ACCURACY_TARGET = env.float("AUDIT_ACCURACY_TARGET", default=0.95)
# "Signed in time" on the audit checklist: a practice convention, not a payer rule.
AUDIT_TIMELY_SIGNATURE_DAYS = env.int("AUDIT_TIMELY_SIGNATURE_DAYS", default=3)

# Billing provider on every claim (837P loop 2010AA); env-driven like everything else.
PRACTICE_NAME = env.str("PRACTICE_NAME", default="Riverside Psychiatry PC")
PRACTICE_NPI = env.str("PRACTICE_NPI", default="1234567893")  # Luhn-valid demo NPI
PRACTICE_TAX_ID = env.str("PRACTICE_TAX_ID", default="123456789")
PRACTICE_TAXONOMY = env.str("PRACTICE_TAXONOMY", default="2084P0800X")
PRACTICE_ADDRESS = env.str("PRACTICE_ADDRESS", default="100 Main Street")
PRACTICE_CITY = env.str("PRACTICE_CITY", default="New York")
PRACTICE_STATE = env.str("PRACTICE_STATE", default="NY")
PRACTICE_POSTAL_CODE = env.str("PRACTICE_POSTAL_CODE", default="100011234")

# Two-step sign-in with an authenticator app (django-otp TOTP). Roles named here (e.g.
# "Prescriber,Practice admin") must set it up before reaching any page; others may opt in.
OTP_REQUIRED_ROLES = env.list("OTP_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = PRACTICE_NAME  # the account's name in the user's authenticator app

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}
