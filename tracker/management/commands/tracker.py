"""manage.py tracker link|sync|deliver|listen: the bridge to Kitsu (zou).

    tracker link PRODUCTION PROJECT      link a production to a Kitsu project (its name or id)
    tracker sync PRODUCTION [--dry-run]  create and update its shots from Kitsu; removed ones are marked
    tracker deliver                      post what is pending back to Kitsu
    tracker listen PRODUCTION            follow Kitsu's event stream and sync on every shot change
                                         (run it under a supervisor; polling is the fallback)

Kitsu's URL and credentials come from KITSU_URL, KITSU_EMAIL and KITSU_PASSWORD."""

import json
import time

import gazu
from django.core.management.base import BaseCommand, CommandError

from rightsledger.errors import Conflict
from rightsledger.models import Production
from tracker import services
from tracker.kitsu import TrackerUnavailable


class Command(BaseCommand):
    help = "Link productions to Kitsu, sync their shots, deliver posts, or listen to Kitsu's events."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        link = sub.add_parser("link")
        link.add_argument("production", help="the production's code")
        link.add_argument("project", help="the Kitsu project's name or id")
        sync = sub.add_parser("sync")
        sync.add_argument("production")
        sync.add_argument("--dry-run", action="store_true", help="say what would change, change nothing")
        sub.add_parser("deliver")
        listen = sub.add_parser("listen")
        listen.add_argument("production")

    def handle(self, *args, action, **options):
        try:
            kitsu = services.kitsu_from_settings()
            if action == "deliver":
                self.stdout.write(json.dumps(services.posts_deliver(kitsu)))
                return
            production = Production.objects.filter(code=options["production"]).first()
            if production is None:
                raise CommandError(f"No production with code {options['production']!r}.")
            if action == "link":
                project = kitsu.project_by_name(options["project"]) or kitsu.project(options["project"])
                link = services.project_link(
                    actor="system:tracker",
                    production=production,
                    external_id=project["id"],
                    external_name=project["name"],
                )
                self.stdout.write(
                    f"{production.code} is linked to Kitsu project {link.external_name} ({link.external_id})."
                )
            elif action == "sync":
                plan = services.tracker_sync(production=production, kitsu=kitsu, dry_run=options["dry_run"])
                self.stdout.write(json.dumps({"dry_run": options["dry_run"], **plan.as_dict()}, indent=2))
            elif action == "listen":
                self.listen(kitsu, production)
        except (TrackerUnavailable, LookupError) as exc:
            raise CommandError(str(exc)) from exc
        except Conflict as exc:
            raise CommandError(exc.message if hasattr(exc, "message") else str(exc)) from exc

    def listen(self, kitsu, production):
        """Sync on every shot or sequence event of Kitsu's event stream (Socket.IO, /events)."""

        def changed(data):
            plan = services.tracker_sync(production=production, kitsu=kitsu)
            if plan.changes:
                self.stdout.write(json.dumps({"event": data, **plan.as_dict()}))

        services.tracker_sync(production=production, kitsu=kitsu)
        kitsu.login()
        client = gazu.events.init(client=kitsu.client)
        for event in (
            "shot:new",
            "shot:update",
            "shot:delete",
            "shot:casting-update",
            "sequence:new",
            "sequence:update",
        ):
            gazu.events.add_listener(client, event, changed)
        self.stdout.write(f"Listening to Kitsu's events for {production.code}.")
        while True:  # the supervisor restarts the process if this ends
            gazu.events.run_client(client)
            time.sleep(1)
