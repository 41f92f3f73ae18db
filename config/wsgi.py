import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_wsgi_application()

# Imported once Django is set up: the tile path reads the database through Django's connection.
from .tile_wsgi import TilesFirst  # noqa: E402

# The ledger's hash tiles are answered before Django's middleware (config.tile_wsgi); the rest
# is Django's.
application = TilesFirst(django_application)
