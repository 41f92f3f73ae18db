"""The demo's server as `make demo` starts it (runserver, the Makefile's demo environment), with
one more route on each side, /forced-error/ and /api/forced-error/, that fails as a bug would:
the test checks what a caller with no account sees of a server error. Run by test_sqlite.py."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.urls import clear_url_caches, path  # noqa: E402

import config.urls  # noqa: E402

SECRET = "local-value-a-traceback-would-show"


def forced_error(request):
    local_value = SECRET  # noqa: F841  (what a debug page would print among the locals)
    raise RuntimeError("a forced server error")


config.urls.urlpatterns[:0] = [path("forced-error/", forced_error), path("api/forced-error/", forced_error)]
clear_url_caches()
call_command("runserver", "--noreload", sys.argv[1])
