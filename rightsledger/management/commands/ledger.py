"""manage.py ledger init-key | publish | cosign | audit | witnesses | verifier-key | guild-witness"""

import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from rightsledger.ledger import audit, checkpoints, cosigning, witness_check, witnesses
from rightsledger.models import Guild


class Command(BaseCommand):
    help = "The verifiable ledger: make its key, publish a checkpoint, audit it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("init-key", help="create the Ed25519 checkpoint signing key (0600 file)")
        sub.add_parser("verifier-key", help="print the verifier key to give guilds and auditors")
        sub.add_parser("publish", help="integrate pending entries and sign a checkpoint")
        sub.add_parser("audit", help="recompute every leaf and the latest checkpoint's root")
        sub.add_parser("cosign", help="submit the latest checkpoint to the witnesses (C2SP tlog-witness)")
        sub.add_parser(
            "witnesses",
            help="ask each witness how far it has cosigned this log (after a restore: docs/backup.md)",
        )
        guild = sub.add_parser("guild-witness", help="record the key of the C2SP witness a guild runs")
        guild.add_argument("guild", help="the guild's id or abbreviation")
        guild.add_argument("vkey", help="the witness's key (vkey of type 0x04); '' for none")
        guild.add_argument("--actor", required=True, help="the username of the clearance user who records it")

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
        elif action == "cosign":
            for s in cosigning.ledger_cosign():
                self.stdout.write(f"{s.witness}: checkpoint {s.size} {s.outcome} {s.detail}".rstrip())
        elif action == "witnesses":
            self.witnesses()
        elif action == "guild-witness":
            guild = Guild.objects.filter(abbreviation=options["guild"]).first() or (
                Guild.objects.filter(pk=options["guild"]).first() if options["guild"].isdigit() else None
            )
            if guild is None:
                raise CommandError(f"No guild {options['guild']!r}.")
            actor = get_user_model().objects.filter(username=options["actor"]).first()
            if actor is None:
                raise CommandError(f"No user {options['actor']!r}.")
            try:
                witnesses.guild_witness_key_set(actor=actor, guild=guild, vkey=options["vkey"])
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
            self.stdout.write(f"{guild} runs the witness {options['vkey'] or '(none)'}.")
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

    def witnesses(self):
        """Report each witness against the latest checkpoint; exit 1 unless every one is level or behind."""
        latest = checkpoints.latest_checkpoint()
        if latest is None:
            self.stdout.write("No checkpoint yet: nothing to compare with the witnesses.")
            return
        states = witness_check.witness_states()
        if not states:
            self.stdout.write(
                "No witness with a submission URL in LEDGER_WITNESS_POLICY_FILE: compare the latest "
                f"checkpoint, size {latest.size}, with the one kept with the backup and the guilds' own."
            )
            return
        for state in states:
            line = state.sentence
            self.stdout.write(line if state.ok else self.style.ERROR(line))
        if not all(state.ok for state in states):
            sys.exit(1)
