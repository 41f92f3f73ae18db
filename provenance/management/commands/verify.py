"""manage.py verify FILE: a file's Content Credentials, as POST /api/verify/ reports them."""

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from provenance import selectors


class Command(BaseCommand):
    help = "Verify a file's Content Credentials."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file, **options):
        try:
            data = open(file, "rb").read()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}") from None
        media_type = selectors.sniff_media_type(data)
        if media_type is None:
            raise CommandError(f"{file} is not a format Content Credentials can be read from.")
        result = selectors.verify(data, media_type)
        self.stdout.write(json.dumps(result, indent=2, default=str))
        if result.get("validation_state") == "invalid":
            sys.exit(1)
