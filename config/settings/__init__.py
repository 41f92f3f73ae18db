"""The settings (DJANGO_SETTINGS_MODULE=config.settings). Every deployment choice is read from the
environment.

With nothing set, the service runs on one machine with nothing to install: SQLite, Celery in
eager mode, files in a local folder. Production sets DATABASE_URL, CELERY_BROKER_URL,
DJANGO_SECRET_KEY and DJANGO_ALLOWED_HOSTS (the README lists every variable).

A module a journey, read in this order (a later one reads what an earlier one set, from that
module): base (the project, development and the demo, HTTPS), database, storage, api, auth
(sign-in, single sign-on, two factors, the portal's address), tasks (Celery), generation,
provenance (Content Credentials, fingerprints, training clearance, faces), tracker, ledger, and
operations (e-mail, logs, metrics, Sentry).
"""

# In this order, as the docstring says (not sorted): a module's settings may be read by a later one.
# isort: off
from .base import *  # noqa: F403
from .database import *  # noqa: F403
from .storage import *  # noqa: F403
from .api import *  # noqa: F403
from .auth import *  # noqa: F403
from .tasks import *  # noqa: F403
from .generation import *  # noqa: F403
from .provenance import *  # noqa: F403
from .tracker import *  # noqa: F403
from .ledger import *  # noqa: F403
from .operations import *  # noqa: F403
# isort: on
