"""manage.py ledger init-key | publish | audit | verifier-key"""

import sys

from django.core.management.base import BaseCommand, CommandError

from rightsledger.ledger import audit, checkpoints


class Command(BaseCommand):
    help = "The verifiable ledger: make its key, publish a checkpoint, audit it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init-key", help="create the Ed25519 checkpoint signing key (0600 file)")
        sub.add_parser("verifier-key", help="print the verifier key to give guilds and auditors")
        sub.add_parser("publish", help="integrate pending entries and sign a checkpoint")
        sub.add_parser("audit", help="recompute every leaf and the latest checkpoint's root")

    def handle(self, *args, action, **options):
        if action == "init-key":
            try:
                vkey = checkpoints.key_generate()
            except FileExistsError:
                raise CommandError("A ledger signing key already exists; it is never overwritten.") from None
            self.stdout.write(f"Created the ledger signing key. Verifier key:\n{vkey}")
        elif action == "verifier-key":
            self.stdout.write(checkpoints.signing_key().verifier_key)
        elif action == "publish":
            checkpoint = checkpoints.ledger_publish()
            self.stdout.write(checkpoint.note if checkpoint else "Nothing new to checkpoint.")
        elif action == "audit":
            result = audit.ledger_audit()
            self.stdout.write(
                f"{result.entries} entries, tree size {result.tree_size}, "
                f"latest checkpoint {result.checkpoint_size}"
            )
            for problem in result.problems:
                self.stdout.write(self.style.ERROR(problem))
            if not result.ok:
                sys.exit(1)
            self.stdout.write(
                self.style.SUCCESS("Audit passed: every leaf and the checkpoint's root recomputed.")
            )
