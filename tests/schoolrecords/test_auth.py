"""Logging in: lockout keyed on username and address together, security log lines, session expiry."""

import logging

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _try(client, username, password="wrong-password", address="10.1.1.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_repeated_failures_lock_that_user_at_that_address_with_a_vietnamese_page(client, demo):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "teacher_math")
    response = _try(client, "teacher_math", password="demo-2026")
    assert response.status_code == 429
    page = response.content.decode()
    assert "khóa" in page
    assert "15" in page  # the minutes to wait


def test_a_colleague_on_the_same_school_address_can_still_log_in(client, demo):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "teacher_math")
    response = _try(client, "homeroom_6a1", password="demo-2026")
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_the_same_user_from_another_address_can_still_log_in(client, demo):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _try(client, "teacher_math")
    response = _try(client, "teacher_math", password="demo-2026", address="10.9.9.9")
    assert response.status_code == 302


def test_failed_logins_are_logged_with_user_address_and_utc_time(client, demo, caplog):
    with caplog.at_level(logging.WARNING, logger="schoolrecords.security"):
        _try(client, "teacher_math", address="10.2.3.4")
    record = next(r for r in caplog.records if r.name == "schoolrecords.security")
    assert "login_failed user=teacher_math address=10.2.3.4" in record.getMessage()
    formatter = logging.getLogger("schoolrecords.security").handlers[0].formatter
    assert formatter.format(record).split(" ", 1)[0].endswith("Z")


def test_wrong_password_is_explained_in_vietnamese_on_the_form(client, demo):
    response = _try(client, "teacher_math")
    assert response.status_code == 200
    assert "mật khẩu chính xác" in response.content.decode()


def test_sessions_end_with_the_browser_and_after_a_working_day():
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60


def test_logout_is_a_post_and_ends_the_session(login):
    client = login("teacher_math")
    client.post(reverse("logout"))
    assert client.get(reverse("home")).status_code == 302


def test_behind_the_proxy_the_lockout_keys_on_the_forwarded_address(rf, settings):
    from schoolrecords.signals import client_address

    request = rf.get("/", REMOTE_ADDR="172.18.0.5", HTTP_X_FORWARDED_FOR="spoofed, 203.0.113.7")
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["172.18.0.0/16"]  # the proxy's network
    assert client_address(request) == "203.0.113.7"
    settings.SECURE_PROXY_SSL_HEADER = None
    assert client_address(request) == "172.18.0.5"


@pytest.mark.parametrize(("remote", "forwarded", "expected"), [
    ("10.0.0.5", "203.0.113.7", "203.0.113.7"),  # through our proxy
    ("198.51.100.9", "203.0.113.7", "198.51.100.9"),  # straight to the server: its header is not believed
    ("10.0.0.5", "1.2.3.4, 203.0.113.7", "203.0.113.7"),  # what the client wrote before our proxy is not read
    ("10.0.0.6", "203.0.113.7, 10.0.0.5", "203.0.113.7"),  # two of our proxies: both skipped
    ("10.0.0.5", "not-an-address, 10.0.0.6", "not-an-address"),  # never believed as a proxy
    ("10.0.0.5", "", "10.0.0.5"),
])
def test_the_forwarded_address_is_believed_only_from_a_trusted_proxy(rf, settings, remote, forwarded, expected):
    from schoolrecords.signals import client_address

    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.TRUSTED_PROXIES = ["10.0.0.0/29", "::1"]
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_address(request) == expected


def test_a_client_spoofing_the_header_is_locked_out_by_its_own_address(client, demo, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.AXES_CLIENT_IP_CALLABLE = "schoolrecords.signals.client_address"
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "teacher_math", "password": "sai"},
                    REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt}")

    blocked = client.post(reverse("login"), {"username": "teacher_math", "password": "demo-2026"},
                          REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.200")
    elsewhere = client.post(reverse("login"), {"username": "teacher_math", "password": "demo-2026"},
                            REMOTE_ADDR="198.51.100.10")

    assert blocked.status_code == 429
    assert elsewhere.status_code == 302 and elsewhere["Location"] == reverse("home")


def test_the_first_login_change_refuses_the_temporary_password(client, demo):
    from schoolrecords import services

    profile = services.staff_create(actor=services.system_user(), school=demo.school, username="gv_moi",
                                    full_name="Giáo viên Mới", password="tam-thoi-2026-x", role_names=[])
    client.post(reverse("login"), {"username": "gv_moi", "password": "tam-thoi-2026-x"})

    same = client.post(reverse("password_change"), {"old_password": "tam-thoi-2026-x",
                                                    "new_password1": "tam-thoi-2026-x",
                                                    "new_password2": "tam-thoi-2026-x"})

    assert same.status_code == 200
    assert "phải khác mật khẩu hiện tại" in same.context["form"].errors["new_password1"][0]
    profile.refresh_from_db()
    assert profile.must_change_password
    assert client.get(reverse("home")).status_code == 302  # still sent to change it


def test_the_admin_answers_only_from_the_allowed_networks_when_they_are_set(client, demo, settings):
    admin = get_user_model().objects.create_superuser("quan_tri_phong", password="mat-khau-phong-2026")
    client.force_login(admin)
    assert client.get("/admin/", REMOTE_ADDR="198.51.100.9").status_code == 200  # not set: anywhere

    settings.ADMIN_ALLOWED_NETWORKS = ["10.20.0.0/16"]

    assert client.get("/admin/", REMOTE_ADDR="198.51.100.9").status_code == 404
    assert client.get("/admin/", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get(reverse("home"), REMOTE_ADDR="198.51.100.9").status_code != 404  # the site itself is not


def test_an_oversized_body_is_refused_before_it_is_read(client, demo, login):
    huge = str(315 * 1024 * 1024)
    # The test client's body is empty: reading the declared 315 MB would fail the request loudly.
    anonymous = client.generic("POST", reverse("login"), b"", content_type="multipart/form-data; boundary=x",
                               CONTENT_LENGTH=huge)
    teacher = login("teacher_math")
    small_enough_for_a_teacher = teacher.generic("POST", reverse("login"), b"", CONTENT_LENGTH=str(100 * 1024))
    too_much_even_for_a_teacher = teacher.generic("POST", reverse("home"), b"", CONTENT_LENGTH=huge)

    assert anonymous.status_code == 413 and anonymous["Connection"] == "close"
    assert "Yêu cầu quá lớn (315,0 MB; tối đa 0,1 MB)" in anonymous.content.decode()
    assert small_enough_for_a_teacher.status_code != 413
    assert too_much_even_for_a_teacher.status_code == 413
