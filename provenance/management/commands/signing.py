"""manage.py signing init --dev
| import --chain C --key K [--passphrase-env V | --passphrase-file F]
| list"""

from django.core.management.base import BaseCommand, CommandError

from provenance import services
from provenance.identity import chain_info
from provenance.models import SigningIdentity


class Command(BaseCommand):
    help = "Signing identities for Content Credentials."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        init = sub.add_parser("init", help="make a development chain (untrusted) and activate it")
        init.add_argument("--dev", action="store_true", required=True)
        imp = sub.add_parser(
            "import", help="import the studio's chain and key, and activate it (the old one is retired)"
        )
        imp.add_argument("--name", required=True)
        imp.add_argument("--chain", required=True, help="PEM: signer certificate, then intermediates")
        imp.add_argument("--key", help="PEM private key file (kept in place, made 0600)")
        imp.add_argument("--passphrase-env", default="")
        imp.add_argument("--passphrase-file", default="")
        imp.add_argument(
            "--callback", default="", help="package.module:function signing bytes, for a KMS or HSM"
        )
        sub.add_parser("list", help="list identities")

    def handle(self, *args, action, **o):
        try:
            if action == "init":
                identity, paths = services.identity_dev_init()
                self.stdout.write(f"Created development identity {identity.name} ({identity.subject}).")
                self.stdout.write(
                    "It is untrusted. To verify outputs as Trusted "
                    f"here, set C2PA_TRUST_ANCHORS={paths['root']}"
                )
            elif action == "import":
                chain = open(o["chain"]).read()
                chain_info(chain)
                identity = services.identity_register(
                    name=o["name"],
                    chain_pem=chain,
                    key_path=o["key"] or "",
                    passphrase_env=o["passphrase_env"],
                    passphrase_file=o["passphrase_file"],
                    callback=o["callback"],
                )
                self.stdout.write(
                    f"Imported and activated {identity.name}: {identity.subject}, "
                    f"valid until {identity.not_after:%Y-%m-%d}."
                )
            else:
                for i in SigningIdentity.objects.order_by("created_at"):
                    self.stdout.write(
                        f"{'ACTIVE ' if i.active else 'retired'} {i.name:<24} "
                        f"{i.subject}  sha256:{i.fingerprint[:16]}"
                    )
        except (services.SigningError, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
