"""manage.py similarity rebuild | fingerprint-all"""

from django.core.management.base import BaseCommand

from provenance import services, similarity
from rightsledger.models import Asset


class Command(BaseCommand):
    help = "The similarity index: rebuild it from the database, or fingerprint every image asset."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rebuild")
        sub.add_parser("fingerprint-all")

    def handle(self, *args, action, **options):
        if action == "fingerprint-all":
            n = sum(
                services.asset_fingerprint(asset=a)
                for a in Asset.objects.filter(media_type__startswith="image/").iterator()
            )
            self.stdout.write(f"Fingerprinted {n} image assets.")
        size = similarity.rebuild()
        self.stdout.write(f"Similarity index rebuilt: {size} vectors.")
