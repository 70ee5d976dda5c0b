"""The upper demo as the upper-secondary tests' world: built once per module at the end of its year (every
column and both terms' conduct filled), rolled back when the module ends."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from schoolrecords import models as m
from schoolrecords import services
from seed import upper

END_OF_YEAR = datetime.date(2026, 5, 30)  # the seed's 2025-2026: term II (ending 25/05) is over
STUDENTS = 3


@dataclass
class Upper:
    school: m.School
    year: m.SchoolYear

    def school_class(self, name: str) -> m.SchoolClass:
        return m.SchoolClass.objects.select_related("year").get(year=self.year, name=name)

    def subject(self, code: str) -> m.Subject:
        return m.Subject.objects.get(school=self.school, code=code)

    def user(self, username: str):
        return get_user_model().objects.get(username=username)

    def term(self, number: int) -> m.Term:
        return m.Term.objects.get(year=self.year, number=number)

    def assignment(self, class_name: str, code: str) -> m.TeachingAssignment:
        return m.TeachingAssignment.objects.get(school_class__year=self.year, school_class__name=class_name,
                                                subject__code=code, end_date__isnull=True)

    def add_students(self, class_name: str, count: int) -> None:
        """``count`` more students in the class, with every score and conduct result due (through the seed's filler)."""
        actor = services.system_user()
        school_class = self.school_class(class_name)
        for number in range(count):
            student = services.student_save(actor=actor, school=self.school, code=f"ADD{class_name}{number:03d}",
                                            full_name=f"Trần Thị Thêm {number}",
                                            date_of_birth=datetime.date(2010, 5, 5), gender=m.Student.Gender.FEMALE)
            services.enrolment_create(actor=actor, student=student, school_class=school_class,
                                      start_date=self.year.start_date)
        upper._scores(actor, self.year, END_OF_YEAR)


def world(django_db_blocker):
    """A generator for a module-scoped fixture: ``yield from world(django_db_blocker)``."""
    with django_db_blocker.unblock(), transaction.atomic():
        built = upper.build_upper_school(students_per_class=STUDENTS, today=END_OF_YEAR)
        yield Upper(school=built["school"], year=built["year"])
        transaction.set_rollback(True)
