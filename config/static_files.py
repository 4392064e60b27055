"""Static files: hashed names, precompressed, cached by browsers for a year (issue 14).

`collectstatic` (run by `make run`) writes each file under a name holding a hash of its
content (`css/app.3f2a9c1b7d4e.css`) plus its .gz and .br copies; `{% static %}` writes that
name in the pages, so a changed file is a new URL and every file can be cached for a year.
WhiteNoise serves them. docs/decisions/0004-compressed-html-and-hashed-static.md says why.
"""

from __future__ import annotations

from whitenoise.middleware import WhiteNoiseMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

ONE_YEAR = 365 * 24 * 60 * 60


class HashedStaticFilesStorage(CompressedManifestStaticFilesStorage):  # type: ignore[misc]
    """Hashed, compressed copies; the vendored bundles' source-map comments are left as they
    are, since the maps are not shipped (hashing would refuse the missing files)."""

    patterns = tuple(
        (extension, tuple(p for p in found if "sourceMappingURL" not in str(p)))
        for extension, found in CompressedManifestStaticFilesStorage.patterns
    )


class StaticFilesMiddleware(WhiteNoiseMiddleware):  # type: ignore[misc]
    """WhiteNoise, with a hashed (never changing) file cached for a year, `immutable`."""

    FOREVER = ONE_YEAR
