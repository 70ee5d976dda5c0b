"""How answers travel on a school's slow line: pages compressed, static files hashed, compressed and kept.

A 40-student grid is about 70 KB of HTML, and a school's line may give 50 KB/s to all its teachers;
docs/benchmarks.md ("The grid on a slow network") has the figures.
"""

from django.middleware.gzip import GZipMiddleware
from whitenoise.storage import CompressedManifestStaticFilesStorage

# What is worth compressing: pages, JSON answers, CSV. PDFs, photos, spreadsheets and zips are
# compressed already; gzipping their stream would only cost CPU and drop their Content-Length
# (a download's size and progress in the browser).
COMPRESSIBLE = ("text/", "application/json")


class TextGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for text answers only.

    Against BREACH (a secret guessed from the size of compressed answers that also reflect what an
    attacker sends) Django adds a random number of bytes to each gzip header (Django 4.2+,
    ``max_random_bytes``) and masks the CSRF token afresh in every page; the session cookie is never
    in a body. Static files never reach this: WhiteNoise answers them earlier, with the copies
    collectstatic compressed.
    """

    def process_response(self, request, response):
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)


class StaticStorage(CompressedManifestStaticFilesStorage):
    """collectstatic writes every file also under a name with a hash of its content, each with a gzip
    and a Brotli copy; the pages name the hashed files, which WhiteNoise sends compressed and to be
    kept for ever (a changed file gets a new name).

    A checkout where collectstatic has not run (the benchmark and drill scripts run the settings with
    DEBUG off) has no manifest: its pages name the plain files, which WhiteNoise finds through the
    finders (``WHITENOISE_USE_FINDERS``) and lets browsers keep for a minute only.
    """

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not collected (no manifest, or not in it)
            return name
