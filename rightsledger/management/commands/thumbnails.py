"""manage.py thumbnails [--limit N] [--queue]: make the thumbnails of assets that have none."""

from django.core.management.base import BaseCommand

from rightsledger import services
from rightsledger.tasks import thumbnails_backfill


class Command(BaseCommand):
    help = "Make the thumbnails of assets registered before thumbnails were made (each once)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="make at most this many")
        parser.add_argument("--queue", action="store_true", help="send the work to a Celery worker instead")

    def handle(self, *args, limit, queue, **options):
        waiting = services.assets_without_thumbnail().count()
        if queue:
            thumbnails_backfill.delay(limit)
            self.stdout.write(f"Queued the thumbnails of {waiting} assets.")
            return
        made = services.thumbnails_backfill(limit=limit)
        self.stdout.write(f"Made the thumbnails of {made} assets; {waiting - made} still have none.")
