"""Start the next school year from this one (the same service as the rollover page).

    python manage.py year_rollover --from 2025-2026 --to 2026-2027 [--dry-run] [--user board] [--school CODE]

``--dry-run`` prints the preview (every class and every student's move, the students who need a
decision) and saves nothing. Without it the rollover is made in one transaction, as the acting
user: ``--user`` (default: the first working member of the admin board, else the first
superuser). The school is the acting user's, or ``--school`` (a superuser has none of their own).
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gradebook.rollover import services
from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords.permissions import user_school


def default_user():
    users = get_user_model().objects.filter(is_active=True).order_by("pk")
    return (users.filter(groups__name=roles.ADMIN_BOARD, profile__status=sm.StaffProfile.Status.ACTIVE).first()
            or users.filter(is_superuser=True).exclude(username="system").first())


class Command(BaseCommand):
    help = "Roll a school year over into the next one: classes, students, drafts of the assignments."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="from_year", required=True, help="the year rolled over, e.g. 2025-2026")
        parser.add_argument("--to", dest="to_year", required=True, help="the year started, e.g. 2026-2027")
        parser.add_argument("--dry-run", action="store_true", help="print the preview only; save nothing")
        parser.add_argument("--user", default=None, help="the acting account (default: the first board member)")
        parser.add_argument("--school", default=None, help="the school's code (default: the acting user's school)")
        parser.add_argument("--reason", default="", help="the reason written in the history")

    def handle(self, *args, **options):
        actor = self._actor(options["user"])
        school = self._school(actor, options["school"])
        year = sm.SchoolYear.objects.filter(school=school, name=options["from_year"]).select_related("school").first()
        if year is None:
            raise CommandError(_("School year %(year)s does not exist.") % {"year": options["from_year"]})
        try:
            seen = services.preview(actor=actor, from_year=year, to_year=options["to_year"])
            self._print(seen)
            if options["dry_run"]:
                for error in seen.errors:
                    self.stderr.write(error)
                self.stdout.write(_("Dry run: nothing was saved."))
                return
            done = services.apply(actor=actor, from_year=year, to_year=options["to_year"],
                                  reason=options["reason"] or _("Year rollover (command)"))
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            raise CommandError("\n".join(messages)) from error
        self.stdout.write(self.style.SUCCESS(_(
            "School year %(year)s started: %(classes)d classes, %(enrolments)d students placed, %(drafts)d "
            "proposals to confirm.") % {"year": done.year.name, "classes": done.classes, "enrolments": done.enrolments,
                                       "drafts": done.draft_assignments + done.draft_homerooms}))

    def _actor(self, username):
        if username:
            actor = get_user_model().objects.filter(username=username, is_active=True).first()
            if actor is None:
                raise CommandError(_("No active account %(user)s.") % {"user": username})
            return actor
        actor = default_user()
        if actor is None:
            raise CommandError(_("No board member or superuser to act as: give --user."))
        return actor

    def _school(self, actor, code):
        if code:
            school = sm.School.objects.filter(code=code).first()
            if school is None:
                raise CommandError(_("No school with code %(code)s.") % {"code": code})
            return school
        school = user_school(actor)
        if school is None:
            schools = list(sm.School.objects.all()[:2])
            if len(schools) != 1:
                raise CommandError(_("%(user)s belongs to no school: give --school.") % {"user": actor.get_username()})
            school = schools[0]
        return school

    def _print(self, seen: services.Preview) -> None:
        out = self.stdout.write
        out(_("Roll %(from)s over into %(to)s") % {"from": seen.from_year.name, "to": seen.to_name})
        out(f"{seen.start_date:%d/%m/%Y} – {seen.end_date:%d/%m/%Y}")
        for row in seen.classes:
            out(f"  {row.new_class.name} ({row.new_class.grade}) ← {row.new_class.source or '—'}: "
                + _("%(students)d students, homeroom teacher %(homeroom)s, %(assignments)d assignments")
                % {"students": row.students, "homeroom": row.homeroom or "—", "assignments": row.assignments})
        for row in seen.rows:
            mark = "!" if row.needs_decision else " "
            out(f"{mark} {row.move.code}\t{row.move.name}\t{row.move.from_class}\t{row.outcome}\t{row.text}")
        out(" · ".join(f"{label}: {count}" for label, count in seen.counts))
        if seen.decisions:
            out(_("%(count)d students need a decision (marked !).") % {"count": len(seen.decisions)})
