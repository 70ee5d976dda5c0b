"""Build the demo school (idempotent) and print its logins."""

from django.core.management.base import BaseCommand

from seed import demo


class Command(BaseCommand):
    help = ("Build the demo lower-secondary school in the current school year (with last year rolled over into "
            "it) and print the demo logins.")

    def add_arguments(self, parser):
        parser.add_argument("--classes-per-grade", type=int, default=2, help="classes in each of grades 6-9")
        parser.add_argument("--students-per-class", type=int, default=40)

    def handle(self, *args, classes_per_grade: int, students_per_class: int, **options):
        size = demo.DemoSize(classes_per_grade=classes_per_grade, students_per_class=students_per_class)
        built = demo.build_demo_school(size)
        previous = built["previous"]
        self.stdout.write(self.style.SUCCESS(
            f"Demo school: {built['school'].name}, year {built['year'].name}"
            + (f" (rolled over from {previous.name})" if previous else "")
            + f", {len(built['classes'])} classes."
        ))
        self.stdout.write(f"Logins (password for all: {demo.DEMO_PASSWORD}):")
        for username, label in [
            ("principal", "Hiệu trưởng"), ("vice", "Phó hiệu trưởng"), ("board", "Ban quản trị"),
            ("clerk", "Văn thư"), ("head_math", "Tổ trưởng Toán - Tin"), ("teacher_math", "Giáo viên Toán 6A1"),
            ("homeroom_6a1", "Giáo viên chủ nhiệm 6A1"),
        ]:
            self.stdout.write(f"  {username:<14} {label}")
