"""The Django project: settings, URLs, the Celery app and its beat schedule, WSGI.

The Celery app is loaded with the project so that every task binds to it; the rights domain
(and the pure verifier in rightsledger.tlog) imports nothing from here.
"""

from .celery import app as celery_app

__all__ = ["celery_app"]
