"""Shared test set-up: the demo school is built once per test database, with a fast password hasher."""

import pytest
from django.conf import settings

# Hashing the demo passwords with PBKDF2 would take most of the suite's time.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    # Browser tests use transactional databases that are flushed afterwards, so they run last.
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from schoolrecords.demo import build_demo_school

    with django_db_blocker.unblock():
        build_demo_school()


class Demo:
    """Handy access to the demo school's rows inside a test."""

    def __init__(self):
        from django.contrib.auth import get_user_model

        from schoolrecords import models as m
        from schoolrecords.demo import SCHOOL_CODE, YEAR_NAME

        self.models = m
        self.school = m.School.objects.get(code=SCHOOL_CODE)
        self.year = m.SchoolYear.objects.get(school=self.school, name=YEAR_NAME)
        self._users = get_user_model().objects

    def user(self, username: str):
        return self._users.get(username=username)

    def school_class(self, name: str):
        return self.models.SchoolClass.objects.get(year=self.year, name=name)

    def subject(self, code: str):
        return self.models.Subject.objects.get(school=self.school, code=code)

    def assignment(self, class_name: str, subject_code: str):
        return self.models.TeachingAssignment.objects.get(
            school_class__year=self.year, school_class__name=class_name, subject__code=subject_code,
            end_date__isnull=True,
        )


@pytest.fixture
def demo(db):
    return Demo()


@pytest.fixture
def login(client):
    """Log the test client in as a demo user: ``login("teacher_math")``."""

    def _login(username: str):
        from django.contrib.auth import get_user_model

        client.force_login(get_user_model().objects.get(username=username))
        return client

    return _login
