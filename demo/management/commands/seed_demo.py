"""Seed a demo studio: productions, shots, one user per role, assets, grants, talent, consents and
reservations, all written through the services so that every one has its ledger entry."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from rest_framework.authtoken.models import Token

from demo.runs import run_requests
from demo.world import DEMO_PASSWORD, USERS, seed_world
from provenance.models import SigningIdentity
from provenance.services import identity_dev_init
from provenance.services.signing import tsa_url_in_use
from rightsledger.ledger import checkpoints
from rightsledger.models import Asset, Studio
from rightsledger.services import thumbnails_backfill


class Command(BaseCommand):
    help = "Seed a demo studio (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="Where the server will listen")

    def handle(self, *args, url, **options):
        if not Studio.objects.filter(slug="harbour").exists():
            if not SigningIdentity.objects.filter(active=True).exists():
                identity, paths = identity_dev_init()
                self.stdout.write(f"Made a development signing chain (untrusted): {paths['root']}")
            tsa_url = tsa_url_in_use()
            self.stdout.write(
                f"Outputs are time-stamped by {tsa_url}"
                + (
                    " (the development TSA: OpenSSL on this machine, its chain says UNTRUSTED; "
                    "set C2PA_TSA_URL to a TSA on the C2PA TSA Trust List in production)"
                    if not settings.C2PA_TSA_URL
                    else ""
                )
                if tsa_url
                else "Outputs are signed without a time-stamp (C2PA_TSA_REQUIRED=0 and no C2PA_TSA_URL)."
            )
            with transaction.atomic():
                seed_world()
            self.stdout.write(self.style.SUCCESS("Seeded the demo studio Harbour Pictures."))
            run_requests(self.stdout.write)
            # Each asset's thumbnail is queued as it is registered; a demo run without a worker
            # (or one that lost a task) makes the rest here, each once.
            thumbnails_backfill()
            checkpoint = checkpoints.ledger_publish()
            if checkpoint:
                self.stdout.write(
                    f"\nLedger checkpoint (signed note), served at /ledger/checkpoint:\n{checkpoint.note}"
                )
        else:
            self.stdout.write("The demo studio is already seeded.")
        self.print_logins(url)

    def print_logins(self, url):
        w = self.stdout.write
        w("")
        w(
            f"Rightsledger demo, the portal: {url}/  (log in as any user below; each lands on their own "
            "start page)"
        )
        w(f"  Verify a file (no login): {url}/verify/")
        w(f"  API docs (Swagger UI): {url}/api/docs/")
        w(f"  Admin:                 {url}/admin/   (root / {DEMO_PASSWORD})")
        w("")
        w(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        User = get_user_model()
        for username, _, what in USERS:
            user = User.objects.filter(username=username).first()
            token = Token.objects.filter(user=user).first() if user else None
            w(f"  {username:<11} {what:<38} API token: {token.key if token else '-'}")
        w("")
        tokens = dict(
            Token.objects.filter(user__username__in=["producer", "producer_b", "guild"]).values_list(
                "user__username", "key"
            )
        )
        salt_plate = Asset.objects.filter(production__code="salt-road", kind="plate").order_by("id").first()
        if len(tokens) == 3 and salt_plate is not None:
            w("Try (the ids are this database's):")
            w("  # The Long Night's producer lists their production's assets:")
            w(f"  curl -H 'Authorization: Token {tokens['producer']}' {url}/api/assets/")
            w(f"  # ...and cannot see Salt Road's plate (asset {salt_plate.pk}): 404, as if it did not exist")
            w(f"  curl -H 'Authorization: Token {tokens['producer']}' {url}/api/assets/{salt_plate.pk}/")
            w("  # Salt Road's producer can: 200")
            w(f"  curl -H 'Authorization: Token {tokens['producer_b']}' {url}/api/assets/{salt_plate.pk}/")
            w("  # The SAG-AFTRA representative sees their members' consent records, and nothing else")
            w(f"  curl -H 'Authorization: Token {tokens['guild']}' {url}/api/consents/")
        w("")
        self.print_ledger_check(url)

    def print_ledger_check(self, url):
        """The command that verifies the demo's ledger over HTTP with a tool that is not ours."""
        from rightsledger.ledger import checkpoints

        if checkpoints.latest_checkpoint() is None:
            return
        w = self.stdout.write
        w("Check the ledger with your own tools (C2SP tlog-tiles; aics-tlog needs Python >= 3.12):")
        w("  pip install aics-tlog==0.2.1")
        vkey = checkpoints.signing_key().verifier_key
        w(f"  aics-tlog verify-checkpoint --tiles {url}/ledger/ --log-key '{vkey}'")
        w("")
