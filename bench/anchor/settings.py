"""The service's settings with one more URL, for the HTTP benchmark's anchor only: a DRF view
with nothing to decide, behind the same authentication, middleware and gunicorn."""

from config.settings import *  # noqa: F401,F403

ROOT_URLCONF = "bench.anchor.urls"
