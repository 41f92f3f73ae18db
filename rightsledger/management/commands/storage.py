"""manage.py storage list | verify: the stored files, for backups and after a restore.

storage list      every stored file as a JSON line {"name", "size", "sha256"}: keep it with the
                  database dump (docs/operations.md, "Backup and restore")
storage verify    every asset's, document's and thumbnail's file is stored and has the SHA-256
                  its record holds; exits 1, naming each that does not"""

import json
import sys

from django.core.management.base import BaseCommand

from rightsledger.selectors import stored


class Command(BaseCommand):
    help = "List the stored files with their SHA-256, or check every stored file against its record."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="every stored file with its size and SHA-256, as JSON lines")
        sub.add_parser("verify", help="every record's stored file has the SHA-256 the record holds")

    def handle(self, *args, action, **options):
        if action == "list":
            for f in stored.stored_files():
                self.stdout.write(json.dumps({"name": f.name, "size": f.size, "sha256": f.sha256}))
            return
        problems = list(stored.stored_file_mismatches())
        for p in problems:
            found = "is missing" if p.found == "missing" else f"has SHA-256 {p.found}"
            self.stdout.write(
                self.style.ERROR(f"{p.record}: {p.name} {found}; its record says {p.expected}.")
            )
        if problems:
            sys.exit(1)
        self.stdout.write(
            self.style.SUCCESS(f"All {stored.stored_file_count()} stored files match their records' SHA-256.")
        )
