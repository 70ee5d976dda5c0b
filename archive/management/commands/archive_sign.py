"""Sign a class's archived documents of one kind through its signing stages, with the tokens on this server.

    python manage.py archive_sign --year 2025-2026 --term 1 --kind report_card --class 6A1 [--school CODE]

In the demo (SIGNING_DIR holds the demo tokens' PINs) every stage is signed: each subject teacher,
the homeroom teacher, the principal, with their demo tokens, then the school seal. On a real school the
staff's PINs are theirs alone: only the seal is applied (with SIGNING_SEAL_TOKEN_LABEL / SIGNING_SEAL_PIN),
once the stages before it are signed; the documents still waiting for a person are listed.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from archive.models import SigningRole
from archive.signing import config, selectors, services
from schoolrecords import models as sm
from schoolrecords import roles


class Command(BaseCommand):
    help = "Sign a class's archived documents of a kind through every stage (demo tokens), or apply the seal."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, help="school year, e.g. 2025-2026")
        parser.add_argument("--term", type=int, required=True, choices=[1, 2])
        parser.add_argument("--kind", required=True, choices=[str(kind) for kind in selectors.SIGNABLE_KINDS])
        parser.add_argument("--class", dest="class_name", required=True)
        parser.add_argument("--school", help="school code (needed when there are several)")

    def handle(self, *args, **options):
        years = sm.SchoolYear.objects.filter(name=options["year"]).select_related("school")
        if options["school"]:
            years = years.filter(school__code=options["school"])
        if years.count() != 1:
            raise CommandError("Name one school year (and --school when several schools have it).")
        year = years.get()
        school_class = sm.SchoolClass.objects.filter(year=year, name=options["class_name"]).first()
        term = sm.Term.objects.filter(year=year, number=options["term"]).first()
        if school_class is None or term is None:
            raise CommandError("No such class or term in that year.")
        pins = config.demo_pins()
        users = get_user_model().objects
        people = {
            SigningRole.SUBJECT_TEACHERS: list(users.filter(pk__in=selectors.subject_teachers(school_class))),
            SigningRole.HOMEROOM: [school_class.homeroom_teacher] if school_class.homeroom_teacher else [],
            SigningRole.PRINCIPAL: list(users.filter(groups__name=roles.PRINCIPAL, profile__school=year.school,
                                                     is_active=True)[:1]),
            SigningRole.SEAL: list(users.filter(groups__name=roles.CLERK, profile__school=year.school,
                                                is_active=True)[:1]),
        }
        total = 0
        for role in selectors.plan(year.school_id, options["kind"]):
            for person in people[role]:
                if role != SigningRole.SEAL and not pins:
                    continue  # a real school: the person signs with their own token
                certificate = selectors.active_certificate(user=person)
                pin = pins.get(certificate.token_label, "") if certificate else ""
                found = selectors.board(actor=person, school_class=school_class, term=term, kind=options["kind"])
                documents = [row.document for row in found.rows if role in row.mine]
                if not documents:
                    continue
                try:
                    made = services.documents_sign(actor=person, documents=documents, role=role, pin=pin)
                except ValidationError as error:
                    raise CommandError(f"{role} ({person.username}): {' '.join(error.messages)}") from error
                total += len(made)
                self.stdout.write(f"{role:17} {person.username:16} signed {len(made)} document(s)")
        found = selectors.board(actor=people[SigningRole.SEAL][0] if people[SigningRole.SEAL] else
                                get_user_model()(pk=0), school_class=school_class, term=term, kind=options["kind"])
        waiting = [row for row in found.rows if not row.progress.complete]
        self.stdout.write(f"{total} signature(s) made; {len(found.rows) - len(waiting)} of {len(found.rows)} "
                          f"document(s) fully signed")
        for row in waiting:
            self.stdout.write(f"  waiting for {row.progress.open_stage}: {row.document.file_name}")
