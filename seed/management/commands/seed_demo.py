"""Build the demo schools (idempotent) and print their logins."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from archive.signing import demo as signing_demo
from seed import demo, families, primary, termwork, upper

LOWER, PRIMARY, UPPER, ALL = "lower", "primary", "upper", "all"


class Command(BaseCommand):
    help = ("Build a demo school in the current school year and print its logins: the lower-secondary school "
            "(the default, with last year rolled over into it and this year's work entered up to today), the "
            "primary school (--school primary), the upper-secondary one (--school upper), or all of them "
            "(--school all).")

    def add_arguments(self, parser):
        parser.add_argument("--school", choices=(LOWER, PRIMARY, UPPER, ALL), default=LOWER,
                            help="which demo school to build (default: the lower-secondary one)")
        parser.add_argument("--classes-per-grade", type=int, default=2, help="classes in each grade")
        parser.add_argument("--students-per-class", type=int, default=None,
                            help="default: 40 (lower secondary), 35 (primary)")

    def handle(self, *args, school: str, classes_per_grade: int, students_per_class: int | None, **options):
        if school in (LOWER, ALL):
            self._lower(classes_per_grade, students_per_class or 40)
        if school in (PRIMARY, ALL):
            self._primary(classes_per_grade, students_per_class or 35)
        if school in (UPPER, ALL):
            self._upper(classes_per_grade, students_per_class)

    def _lower(self, classes_per_grade: int, students_per_class: int) -> None:
        size = demo.DemoSize(classes_per_grade=classes_per_grade, students_per_class=students_per_class)
        built = demo.build_demo_school(size)
        families.build_demo_family(built, demo.DEMO_PASSWORD)
        today = timezone.localdate()
        entered = termwork.enter_so_far(year=built["year"], today=today, reason=demo.REASON)
        previous = built["previous"]
        self.stdout.write(self.style.SUCCESS(
            f"Demo school: {built['school'].name}, year {built['year'].name}"
            + (f" (rolled over from {previous.name})" if previous else "")
            + f", {len(built['classes'])} classes."
        ))
        self.stdout.write(f"This year's work up to {today:%d/%m/%Y}, newly entered: "
                          f"{entered.get('gradebook.Score', 0)} scores, "
                          f"{entered.get('gradebook.MonthlyAbsence', 0)} monthly absence rows.")
        self._logins([
            ("principal", "Hiệu trưởng"), ("vice", "Phó hiệu trưởng"), ("board", "Ban quản trị"),
            ("clerk", "Văn thư"), ("head_math", "Tổ trưởng Toán - Tin"), ("teacher_math", "Giáo viên Toán 6A1"),
            ("homeroom_6a1", "Giáo viên chủ nhiệm 6A1"), (families.PARENT_USERNAME, "Phụ huynh học sinh 6A1"),
        ])
        pins = demo.build_demo_signing(built)
        if pins is None:
            self.stdout.write("Signing: SoftHSM2 is not installed (apt-get install softhsm2): no demo tokens.")
        else:
            self.stdout.write(f"Signing: {len(pins)} demo SoftHSM2 tokens under var/signing; every staff token's PIN "
                              f"is {signing_demo.DEMO_PIN} (the seal's is the server's).")
            if previous:  # the closed year: its term I is entered and approved (today's is in progress)
                shared = (f"--school {built['school'].code} --year {previous.name} --term 1 --kind report_card "
                          f"--class 6A1")
                self.stdout.write(f"Sign last year's report cards of 6A1: manage.py archive_render {shared} --ad-hoc "
                                  f"--wait, then manage.py archive_sign {shared}")

    def _primary(self, classes_per_grade: int, students_per_class: int) -> None:
        size = primary.PrimarySize(classes_per_grade=classes_per_grade, students_per_class=students_per_class)
        built = primary.build_primary_school(size)
        self.stdout.write(self.style.SUCCESS(
            f"Primary demo school: {built['school'].name}, year {built['year'].name} (TT27), "
            f"{len(built['classes'])} classes."
        ))
        self._logins([
            ("th_principal", "Hiệu trưởng (tiểu học)"), ("th_board", "Ban quản trị (tiểu học)"),
            ("th_clerk", "Văn thư (tiểu học)"), ("th_teacher", "Giáo viên chủ nhiệm 1A1, dạy các môn của lớp"),
        ])

    def _upper(self, classes_per_grade: int, students_per_class: int | None) -> None:
        # Its classes are the six of seed/upper.py (each its own elective combination): no classes-per-grade.
        built = upper.build_upper_school(students_per_class=students_per_class or upper.STUDENTS_PER_CLASS)
        # Its scores and conduct so far are seed/upper.py's; the months' absences are the term work's.
        today = timezone.localdate()
        entered = termwork.enter_so_far(year=built["year"], today=today, reason=upper.REASON)
        self.stdout.write(self.style.SUCCESS(
            f"Upper-secondary demo school: {built['school'].name}, year {built['year'].name}, "
            f"{len(built['classes'])} classes."
        ))
        self.stdout.write(f"This year's work up to {today:%d/%m/%Y}, newly entered: "
                          f"{entered.get('gradebook.Score', 0)} scores, "
                          f"{entered.get('gradebook.MonthlyAbsence', 0)} monthly absence rows.")
        self._logins(upper.LOGINS)

    def _logins(self, logins: list[tuple[str, str]]) -> None:
        self.stdout.write(f"Logins (password for all: {demo.DEMO_PASSWORD}):")
        for username, label in logins:
            self.stdout.write(f"  {username:<14} {label}")
