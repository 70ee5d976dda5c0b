"""Item 4 of issue 20: log-in throttling per account across addresses, per address across accounts, and a
known device that someone else's failures on a shared address do not lock out."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from schoolrecords import lockout

pytestmark = pytest.mark.django_db

PASSWORD = "demo-2026"
SCHOOL = "203.0.113.50"  # the school's one shared address


def attempt(client: Client, username: str, password: str, address: str):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == reverse("home")


def test_one_account_tried_from_many_addresses_is_locked_and_the_spraying_is_logged(demo, client, settings,
                                                                                    security_log):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 8
    for number in range(8):  # two from each address: under the pair's limit of 5 everywhere
        attempt(client, "teacher_math", "sai", f"198.51.100.{number // 2}")

    blocked = attempt(client, "teacher_math", PASSWORD, "198.51.100.77")

    assert blocked.status_code == 429
    assert any("login_spraying kind=addresses user=teacher_math addresses=4 failures=8" in line
               for line in security_log)
    assert any("lockout_wider lock=username user=teacher_math address=198.51.100.77" in line for line in security_log)
    assert logged_in(attempt(client, "head_math", PASSWORD, "198.51.100.77"))  # another account is not held


def test_without_the_wider_limit_each_address_would_get_its_own_five_tries(demo, client, settings):
    """What the per-account limit stops: 8 failures from 4 addresses lock no (account, address) pair."""
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 10_000
    for number in range(8):
        attempt(client, "teacher_math", "sai", f"198.51.100.{number // 2}")

    assert logged_in(attempt(client, "teacher_math", PASSWORD, "198.51.100.77"))


def test_many_accounts_tried_from_one_address_lock_the_address_before_any_password_is_checked(
        demo, client, settings, security_log, monkeypatch):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 9
    for number, username in enumerate(["teacher_math", "head_math", "gv_tin"] * 3):
        attempt(client, username, f"mua-xuan-{number}", "192.0.2.9")
    checked = []
    check_password = User.check_password
    monkeypatch.setattr(User, "check_password", lambda user, raw: checked.append(user.username) or
                        check_password(user, raw))

    blocked = attempt(client, "clerk", PASSWORD, "192.0.2.9")  # the right password, not even checked

    assert blocked.status_code == 429
    assert any("login_spraying kind=accounts address=192.0.2.9 accounts=3 failures=9" in line for line in security_log)
    assert any("lockout_wider lock=address user=clerk address=192.0.2.9" in line for line in security_log)
    assert checked == []  # refused before its password was hashed
    assert logged_in(attempt(client, "clerk", PASSWORD, "192.0.2.10"))  # elsewhere, the clerk logs in
    assert checked == ["clerk"]


def test_a_teacher_logs_in_from_the_shared_address_after_someone_elses_failures(demo, settings):
    teacher = Client()
    assert logged_in(attempt(teacher, "teacher_math", PASSWORD, SCHOOL))  # her own computer, once
    cookie = teacher.cookies[lockout.device_cookie_name("teacher_math")]
    assert cookie["httponly"] and cookie["path"] == reverse("login")
    teacher.post(reverse("logout"))

    student = Client()
    for _number in range(settings.AXES_FAILURE_LIMIT):
        attempt(student, "teacher_math", "doan-mo", SCHOOL)
    for number in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT):
        attempt(student, f"khong-co-{number}", "doan-mo", SCHOOL)

    assert attempt(student, "teacher_math", PASSWORD, SCHOOL).status_code == 429  # the guesser stays locked
    assert logged_in(attempt(teacher, "teacher_math", PASSWORD, SCHOOL))  # the teacher's browser passes


def test_a_known_device_has_its_own_limit(demo, settings):
    teacher = Client()
    assert logged_in(attempt(teacher, "teacher_math", PASSWORD, SCHOOL))
    teacher.post(reverse("logout"))

    for _number in range(settings.AXES_FAILURE_LIMIT):
        attempt(teacher, "teacher_math", "doan-mo", SCHOOL)  # a cookie left on a shared computer

    assert attempt(teacher, "teacher_math", PASSWORD, SCHOOL).status_code == 429
    assert AccessAttempt.objects.filter(user_agent__startswith=lockout.DEVICE_AGENT_PREFIX).get().failures_since_start \
        == settings.AXES_FAILURE_LIMIT


def test_a_forged_or_borrowed_device_cookie_counts_for_nothing(demo, settings):
    teacher = Client()
    attempt(teacher, "teacher_math", PASSWORD, SCHOOL)
    genuine = teacher.cookies[lockout.device_cookie_name("teacher_math")].value

    other = Client()
    other.cookies[lockout.device_cookie_name("head_math")] = genuine  # teacher_math's, under head_math's name
    for _number in range(settings.AXES_FAILURE_LIMIT):
        attempt(other, "head_math", "doan-mo", SCHOOL)
    assert attempt(other, "head_math", PASSWORD, SCHOOL).status_code == 429

    forged = Client()
    forged.cookies[lockout.device_cookie_name("teacher_math")] = genuine[:-2] + "xx"
    for _number in range(settings.AXES_FAILURE_LIMIT):
        attempt(forged, "teacher_math", "doan-mo", "192.0.2.77")
    assert attempt(forged, "teacher_math", PASSWORD, "192.0.2.77").status_code == 429
