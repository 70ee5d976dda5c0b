"""Build a district-sized benchmark database: the demo school plus many schools, in bulk with history."""

from django.core.management.base import BaseCommand, CommandError

from seed import district


class Command(BaseCommand):
    help = ("Build the demo school and its term-I activity, then --schools more schools of "
            "--students-per-school students each (bulk inserts with history rows; a benchmark fixture). "
            "Schools already there are skipped.")

    def add_arguments(self, parser):
        parser.add_argument("--schools", type=int, default=100, help="schools besides the demo school (default 100)")
        parser.add_argument("--students-per-school", type=int, default=1500)
        parser.add_argument("--class-size", type=int, default=40, help="students per class at most (default 40)")
        parser.add_argument("--without-demo-activity", action="store_true",
                            help="leave the demo school as seed_demo builds it (no scores, documents…)")
        parser.add_argument("--workers", type=int, default=1,
                            help="schools built at a time, in separate processes (PostgreSQL only; default 1)")

    def handle(self, *args, schools: int, students_per_school: int, class_size: int, workers: int, **options):
        if schools < 0 or students_per_school < 1 or class_size < 1 or workers < 1:
            raise CommandError("--schools must be 0 or more; --students-per-school, --class-size and --workers "
                               "1 or more.")
        size = district.DistrictSize(schools=schools, students_per_school=students_per_school, class_size=class_size,
                                     demo_activity=not options["without_demo_activity"])
        verbose = options["verbosity"] > 1
        report = district.seed_district(size, workers=workers,
                                        progress=lambda line: self.stdout.write(line) if verbose else None)
        self.stdout.write(self.style.SUCCESS(
            f"District: {report.schools_built} schools built, {report.schools_skipped} already there"
            f"{', demo school activity added' if report.demo_activity else ''}; {report.seconds:.0f} s."
        ))
        for name, count in sorted(report.rows.items()):
            self.stdout.write(f"  {name:<40} {count:>10}")
