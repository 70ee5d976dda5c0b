"""Print (PEM) the trust roots signatures are checked against: SIGNING_TRUST_ROOTS, or the demo PKI's root.

    python manage.py signing_root > roots.pem

Give the file to whoever checks a signed record (a receiving school, the Sở) with pyHanko or Acrobat.
"""

from django.core.management.base import BaseCommand, CommandError

from archive.signing import config


class Command(BaseCommand):
    help = "Print the signing trust roots in use (PEM)."

    def handle(self, *args, **options):
        pem = config.roots_pem()
        if not pem:
            raise CommandError("No trust roots: set SIGNING_TRUST_ROOTS, or run seed_demo for the demo PKI.")
        self.stdout.write(pem, ending="")
