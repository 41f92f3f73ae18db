"""manage.py shots import|export: a production's shots from and to the edit (OpenTimelineIO).

shots import PRODUCTION TIMELINE [--dry-run]   an .otio, CMX 3600 .edl or FCP .xml: a shot per clip
shots export PRODUCTION [--output FILE]        an .otio timeline whose clips carry the latest decision
"""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from rightsledger.models import Production
from tracker import selectors, services
from tracker import timeline as tl


class Command(BaseCommand):
    help = "Import a production's shots from an edit, or export them as an OTIO timeline."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        imp = sub.add_parser("import")
        imp.add_argument("production", help="the production's code")
        imp.add_argument("timeline", help="an .otio file, a CMX 3600 .edl or an FCP XML .xml")
        imp.add_argument(
            "--dry-run", action="store_true", help="say what would be created or changed, change nothing"
        )
        exp = sub.add_parser("export")
        exp.add_argument("production")
        exp.add_argument("--output", help="write here instead of standard output")

    def handle(self, *args, action, production, **options):
        prod = Production.objects.filter(code=production).first()
        if prod is None:
            raise CommandError(f"No production with code {production!r}.")
        if action == "import":
            path = Path(options["timeline"])
            try:
                rows = tl.read(path.read_bytes(), path.name)
            except OSError as exc:
                raise CommandError(f"Cannot read {path}: {exc.strerror}") from None
            except tl.TimelineError as exc:
                raise CommandError(str(exc)) from exc
            plan = services.timeline_import(
                actor="system:edit", production=prod, rows=rows, dry_run=options["dry_run"]
            )
            self.stdout.write(
                json.dumps({"dry_run": options["dry_run"], "clips": len(rows), **plan.as_dict()}, indent=2)
            )
        else:
            text = selectors.timeline_export(prod)
            if options.get("output"):
                Path(options["output"]).write_text(text)
            else:
                self.stdout.write(text)
