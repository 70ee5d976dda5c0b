"""Shared test set-up: the demo school is built once per test database, with a fast password hasher."""

import os

import pytest

# A real S3 server (moto) for the archive's and the document store's object-storage tests; a real SMTP server.
pytest_plugins = ["tests.objectstore", "tests.mailserver"]

if os.environ.get("DJANGO_SETTINGS_MODULE"):  # absent when a pure module is tested with -p no:django
    from django.conf import settings

    # Hashing the demo passwords with PBKDF2 would take most of the suite's time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _a_cold_cache():
    """Each test starts with an empty local cache: what an earlier test kept (the saves' rules cache, the rate
    limits' counters) must not change a later test's pinned query counts or refusals."""
    if os.environ.get("DJANGO_SETTINGS_MODULE"):
        from django.core.cache import caches

        for cache in caches.all(initialized_only=True):
            if type(cache).__name__ == "LocMemCache":
                cache.clear()
    yield


# Fixtures that commit to the test database, which pytest-django empties afterwards (the demo school built once
# for the session is then gone); pg_demo asks for transactional_db itself.
COMMITTING_FIXTURES = {"transactional_db", "live_server", "django_db_reset_sequences", "pg_demo", "demo_school"}


def _commits(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")
                               or (marker.args and marker.args[0])):
        return True
    return bool(COMMITTING_FIXTURES & set(getattr(item, "fixturenames", ())))


def pytest_collection_modifyitems(config, items):
    # Tests that commit empty the database afterwards: they are marked "transactional", so that scripts/test.sh
    # runs them after the others on its workers (-m), and in one process they run last (pytest-django orders them
    # after the others).
    for item in items:
        if _commits(item):
            item.add_marker(pytest.mark.transactional)
    # Tests with a browser run after the other tests of their file: Playwright's sync API keeps an event loop
    # running in the main thread while the browser is open (one per file, tests/e2e/conftest.py), and the code
    # under test calls asyncio.run (pyHanko). Across files pytest-xdist chooses the order (biggest files first).
    items.sort(key=lambda item: "browser" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session", autouse=True)
def signing_dir(tmp_path_factory):
    """One signing folder and SoftHSM2 token folder for the whole session, whoever signs first (the signing
    tests, or seed_demo's demo PKI): the PKCS#11 module reads its configuration once per process, so two
    folders in one process would pair one folder's tokens with the other's roots."""
    if not os.environ.get("DJANGO_SETTINGS_MODULE"):  # a pure module tested with -p no:django
        return None
    from django.conf import settings

    from archive.signing import tokens

    folder = tmp_path_factory.mktemp("signing")
    tokens.softhsm_setup(folder)
    settings.SIGNING_DIR = folder
    return folder


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from seed.demo import build_demo_school

    with django_db_blocker.unblock():
        # The demo without this year's work (seed_demo enters it: seed.termwork, tests/seed/test_demo_now.py):
        # the tests type into this year's cells of 6A1 and expect them empty.
        build_demo_school()


class Demo:
    """Handy access to the demo school's rows inside a test."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from schoolrecords import models as m
        from seed.demo import SCHOOL_CODE, current_year_name, previous_year_name

        self.models = m
        self.school = m.School.objects.get(code=SCHOOL_CODE)
        self.year = m.SchoolYear.objects.get(school=self.school, name=current_year_name())
        # The year before, rolled over into ``year`` (closed: every result entered and approved).
        self.previous = m.SchoolYear.objects.get(school=self.school, name=previous_year_name())
        self._users = get_user_model().objects

    def user(self, username: str):
        return self._users.get(username=username)

    def school_class(self, name: str):
        return self.models.SchoolClass.objects.get(year=self.year, name=name)

    def newcomer(self, class_name: str, number: int):
        """The ``number``-th student who entered grade-6 class ``class_name`` this year (the 40th moved away)."""
        from seed.demo import newcomer_code

        return self.models.Student.objects.get(school=self.school,
                                               code=newcomer_code(self.year.name, class_name, number))

    def subject(self, code: str):
        return self.models.Subject.objects.get(school=self.school, code=code)

    def assignment(self, class_name: str, subject_code: str):
        return self.models.TeachingAssignment.objects.get(
            school_class__year=self.year, school_class__name=class_name, subject__code=subject_code,
            end_date__isnull=True,
        )


@pytest.fixture
def eager_celery():
    """Run Celery tasks in the test's process, errors raised, whatever broker CI configures."""
    from schoolrecords.celery import app as celery_app

    previous = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = True, True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = previous


@pytest.fixture
def demo(db):
    return Demo()


# The login session the tests' direct service calls write in (schoolrecords.sessions).
TEST_SESSION = "test-session"


@pytest.fixture
def login(client):
    """Log the test client in as a demo user: ``login("teacher_math")``.

    The login continues the entry session that the tests' direct service calls name
    (``scores_save(session=TEST_SESSION, …)``), so what a test set up through a service is still
    the teacher's to change in the grid; ``session=None`` keeps the login's own fresh mark, as a
    real login has (schoolrecords.sessions).
    """

    def _login(username: str, session: str | None = TEST_SESSION):
        from django.contrib.auth import get_user_model

        from schoolrecords.sessions import SESSION_KEY

        client.force_login(get_user_model().objects.get(username=username))
        if session is not None:
            store = client.session
            store[SESSION_KEY] = session
            store.save()
        return client

    return _login


@pytest.fixture
def other_school(db):
    """A second school with one year, class, subject, teacher and assignment: never visible to the demo's staff."""
    return build_other_school()


def build_other_school() -> dict:
    """The ``other_school`` fixture's rows, built through the services (also for module-scoped set-ups)."""
    import datetime

    from schoolrecords import models as m
    from schoolrecords import services
    from seed.demo import demo_year

    system = services.system_user()
    school = m.School.objects.create(code="THCS-OTHER", name="Trường THCS Khác")
    calendar = demo_year()  # the same school year as the demo's
    year = services.school_year_create(
        actor=system, school=school, name=calendar.name, start_date=calendar.start_date,
        end_date=calendar.end_date, term_dates=calendar.term_dates, make_current=True,
    )
    subject = services.subject_save(actor=system, school=school, code="toan", name="Toán")
    services.grade_subjects_set(actor=system, year=year, grade=6, periods={subject.pk: 140})
    teacher = services.staff_create(actor=system, school=school, username="other_teacher", full_name="Người Khác",
                                    password="another-pass-2026", role_names=["subject_teacher"]).user
    school_class = services.school_class_save(actor=system, year=year, name="6A1", grade=6, homeroom_teacher=teacher)
    assignment = services.assignment_create(actor=system, school_class=school_class, subject=subject, teacher=teacher,
                                            start_date=year.start_date)
    student = services.student_save(actor=system, school=school, code="X001", full_name="Trần Văn Xa",
                                    date_of_birth=datetime.date(2014, 3, 1), gender="male")
    enrolment = services.enrolment_create(actor=system, student=student, school_class=school_class)
    return {"school": school, "year": year, "subject": subject, "teacher": teacher, "school_class": school_class,
            "assignment": assignment, "student": student, "enrolment": enrolment}
