"""Seed the fault tests' own database (run in a process of its own, with the stack's settings):
a production, a producer and a clearance user with tokens, plates under a grant, a signing
identity. Prints a JSON summary."""

import json
import os
import sys

import django

django.setup()

from django.core.management import call_command  # noqa: E402

call_command("migrate", verbosity=0)

from rest_framework.authtoken.models import Token  # noqa: E402

from provenance.services import identity_dev_init  # noqa: E402
from rightsledger import services, vocab  # noqa: E402

sys.path.insert(0, os.getcwd())
from tests import factories as f  # noqa: E402

identity_dev_init()
studio = f.StudioFactory(name="Fault Pictures", slug="fault")
production = f.ProductionFactory(studio=studio, code="faults")
party = f.make_party(studio)
shot = f.make_shot(production)
producer, clearance = f.UserFactory(username="producer"), f.UserFactory(username="clearance")
services.role_grant(actor=None, user=producer, kind=vocab.ROLE_PRODUCER, production=production)
services.role_grant(actor=None, user=clearance, kind=vocab.ROLE_CLEARANCE, production=production)
plates = [f.make_asset(production, seed=800 + i, owner=party) for i in range(30)]
f.make_grant(production, party, plates, uses=["genai_input"], media=["theatrical"], territories=["WORLD"])
print(
    json.dumps(
        {
            "producer": Token.objects.create(user=producer).key,
            "clearance": Token.objects.create(user=clearance).key,
            "shot": shot.pk,
            "plates": [p.pk for p in plates],
        }
    )
)
