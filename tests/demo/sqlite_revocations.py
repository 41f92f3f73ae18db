"""Fifty concurrent writers on the demo's SQLite database (run by test_sqlite.py in a process of
its own, with the demo's settings): revocations of one consent and of one grant, two sign-offs
of each of five requests, and five requests queued twice (Celery runs them eagerly, in the
writer's thread). Prints a JSON summary."""

import datetime
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

from provenance.services import identity_dev_init  # noqa: E402

identity_dev_init()  # outputs are signed with the development chain, as in the demo

from generation import services as gen  # noqa: E402
from generation.models import GenerationOutput, GenerationRequest, SignOff  # noqa: E402
from rightsledger import services  # noqa: E402
from rightsledger.errors import Conflict  # noqa: E402
from rightsledger.models import ConsentRecord, LedgerEntry, RightsGrant  # noqa: E402

sys.path.insert(0, os.getcwd())
from tests import factories as f  # noqa: E402

studio = f.StudioFactory()
production = f.ProductionFactory(studio=studio)
party = f.make_party(studio)
requester, clearance, admin = (f.UserFactory(username=n) for n in ("requester", "clearance", "admin"))
shot = f.make_shot(production)
talent = f.make_talent("Ana Ruiz")
consent = f.make_consent(production, talent, permitted_uses=["atmosphere", "likeness"])
likeness = f.make_asset(production, seed=90, kind="likeness_reference", talent=talent)
plates = [f.make_asset(production, seed=100 + i, owner=party) for i in range(11)]
f.make_grant(
    production,
    party,
    [likeness, *plates[:10]],
    uses=["genai_input"],
    media=["theatrical"],
    territories=["WORLD"],
)
doomed = f.make_grant(
    production, party, [plates[10]], uses=["genai_input"], media=["theatrical"], territories=["WORLD"]
)
window = dict(
    production=production,
    shot=shot,
    engine="atmosphere",
    seed=1,
    intended_use="atmosphere",
    media=["theatrical"],
    territories=["US"],
    release_start=datetime.date(2026, 6, 1),
    release_end=datetime.date(2026, 12, 31),
)
waiting = [
    gen.request_submit(
        actor=requester,
        inputs=[{"asset": p, "role": "plate"}, {"asset": likeness, "role": "likeness"}],
        **window,
    )
    for p in plates[:5]
]
approved = [
    gen.request_submit(actor=requester, inputs=[{"asset": p, "role": "plate"}], **window)
    for p in plates[5:10]
]

jobs = [("revoke_consent", None)] * 15 + [("revoke_grant", None)] * 15
jobs += [("sign_off", (r, u)) for r in waiting for u in (clearance, admin)] + [
    ("run", r) for r in approved for _ in range(2)
]
barrier = threading.Barrier(len(jobs))
results = Counter()
lock = threading.Lock()


def work(kind, subject):
    from django.db import connection as mine

    try:
        barrier.wait()
        if kind == "revoke_consent":
            services.consent_revoke(actor=None, consent=consent, reason="Withdrawn by letter")
        elif kind == "revoke_grant":
            services.grant_revoke(actor=None, grant=doomed, reason="Withdrawn by the rights holder")
        elif kind == "sign_off":
            gen.request_sign_off(
                actor=subject[1], request=subject[0], approve=True, comment="Checked against the consent."
            )
        else:
            gen.request_queue(actor=requester, request=subject)
        outcome = f"{kind} ok"
    except Conflict:
        outcome = f"{kind} 409"
    except Exception as exc:  # anything else would be a 500 to the caller
        outcome = f"{kind} 500 {type(exc).__name__}: {exc}"
    finally:
        mine.close()
    with lock:
        results[outcome] += 1


threads = [threading.Thread(target=work, args=job) for job in jobs]
[t.start() for t in threads]
[t.join() for t in threads]
connection.close()
print(
    json.dumps(
        {
            "writers": len(jobs),
            "results": results,
            "consent_versions": ConsentRecord.objects.filter(chain=consent.chain).count(),
            "grant_revocations": RightsGrant.objects.filter(chain=doomed.chain, action="revoked").count(),
            "sign_offs": SignOff.objects.count(),
            "outputs": GenerationOutput.objects.count(),
            "runs": sorted(
                GenerationRequest.objects.filter(pk__in=[r.pk for r in approved]).values_list(
                    "status", "failure"
                )
            ),
            "revocation_entries": LedgerEntry.objects.filter(
                entry_type__in=("consent.revoked", "grant.revoked")
            ).count(),
        }
    )
)
