"""Twenty concurrent revocations of one consent on the demo's SQLite database (run by
test_sqlite.py in a process of its own, with the demo's settings). Prints a JSON summary."""

import json
import os
import sys
import threading
from collections import Counter

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

call_command("migrate", verbosity=0)

from rightsledger import services  # noqa: E402
from rightsledger.errors import Conflict  # noqa: E402
from rightsledger.models import ConsentRecord, LedgerEntry  # noqa: E402

sys.path.insert(0, os.getcwd())
from tests import factories as f  # noqa: E402

studio = f.StudioFactory()
production = f.ProductionFactory(studio=studio)
talent = f.make_talent("Ana Ruiz")
consent = f.make_consent(production, talent)
barrier = threading.Barrier(20)
results = Counter()


def revoke():
    from django.db import connection as mine

    try:
        barrier.wait()
        services.consent_revoke(actor=None, consent=consent, reason="Withdrawn by letter")
        results["revoked"] += 1
    except Conflict as exc:
        results[f"409 {exc.code}"] += 1
    except Exception as exc:  # anything else would be a 500 to the caller
        results[f"500 {type(exc).__name__}: {exc}"] += 1
    finally:
        mine.close()


threads = [threading.Thread(target=revoke) for _ in range(20)]
[t.start() for t in threads]
[t.join() for t in threads]
connection.close()
print(json.dumps({"results": results, "versions": ConsentRecord.objects.filter(chain=consent.chain).count(),
                  "revocations": LedgerEntry.objects.filter(entry_type="consent.revoked").count()}))
