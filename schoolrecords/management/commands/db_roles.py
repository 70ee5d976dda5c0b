"""Give the site's runtime database role exactly its rights, after the migrations; or check them.

    DATABASE_ROLE=owner python manage.py db_roles --runtime-role NAME [--check]

Connected as the owner role (``DATABASE_ROLE=owner`` makes the settings use ``MIGRATE_DATABASE_URL``),
it (re)sets in one transaction what NAME may do: rows only; no UPDATE or DELETE on the archive's
sealed tables and the history tables; no TRUNCATE; no trigger or table changes; and the owner's
default privileges for tables later migrations create (schoolrecords/dbroles.py has the rule).
Idempotent: run it after every ``migrate`` (scripts/migrate.sh and docker-compose's migrate step
do). ``--check`` changes nothing and exits non-zero if NAME's rights differ from the rule.
NAME defaults to DATABASE_RUNTIME_ROLE (the user of DATABASE_URL). PostgreSQL only.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction

from schoolrecords import dbroles


class Command(BaseCommand):
    help = "Grant the runtime database role its row rights (no TRUNCATE, no changes to sealed or history rows)."

    def add_arguments(self, parser):
        parser.add_argument("--runtime-role", default=None, metavar="NAME",
                            help="the role the site and workers connect as (default: DATABASE_RUNTIME_ROLE)")
        parser.add_argument("--schema", default="public", help="the schema of the tables (default: public)")
        parser.add_argument("--check", action="store_true", help="change nothing; report what deviates")
        parser.add_argument("--database", default="default", help="the database alias (default: default)")

    def handle(self, *args, **options):
        runtime = options["runtime_role"] or getattr(settings, "DATABASE_RUNTIME_ROLE", "")
        if not runtime:
            raise CommandError("Name the runtime role: --runtime-role NAME (or set DATABASE_URL's user).")
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError(f"Database roles are a PostgreSQL matter; this database is {connection.vendor}.")
        try:
            if options["check"]:
                with connection.cursor() as cursor:
                    problems = dbroles.check(cursor, runtime, schema=options["schema"])
                if problems:
                    raise CommandError(f"{len(problems)} problem(s) with the rights of {runtime}:\n  "
                                       + "\n  ".join(problems))
                self.stdout.write(f"{runtime}: rights as they should be")
                return
            with transaction.atomic(using=options["database"]), connection.cursor() as cursor:
                report = dbroles.apply(cursor, runtime, schema=options["schema"])
        except dbroles.RoleError as error:
            raise CommandError(str(error)) from error
        for warning in report.warnings:
            self.stderr.write(self.style.WARNING(f"warning: {warning}"))
        self.stdout.write(
            f"{runtime} (owner {report.owner}, schema {report.schema}): {len(report.full)} tables with SELECT, INSERT, "
            f"UPDATE, DELETE; {len(report.append_only)} append-only (SELECT, INSERT): sealed and history tables; "
            f"{len(report.read_only)} read-only ({', '.join(report.read_only) or 'none'}); "
            f"{report.sequences} sequences with USAGE, SELECT; no TRUNCATE, no triggers; future tables SELECT, INSERT"
        )
