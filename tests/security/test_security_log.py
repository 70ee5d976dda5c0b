"""The security log: a failed log-in, a lockout and a refused request each write one line with user, address and UTC time."""

import datetime
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

# What settings.LOGGING's UTC formatter writes in front of every message.
LINE = re.compile(r"^(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ) WARNING schoolrecords\.security (?P<message>.*)$")


def _only(lines: list[str], event: str) -> dict:
    """The one line of ``event``, split into its time and its key=value fields."""
    found = [LINE.match(line) for line in lines if f" {event} " in line]
    assert len(found) == 1 and found[0], f"expected one {event} line, got {lines}"
    written = datetime.datetime.strptime(found[0]["time"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.UTC)
    # The server runs in Asia/Ho_Chi_Minh (UTC+7): a local time would be seven hours off.
    assert abs(datetime.datetime.now(datetime.UTC) - written) < datetime.timedelta(minutes=1), found[0]["time"]
    return {key: json.loads(value) if value.startswith('"') else value
            for key, value in re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', found[0]["message"])}


def _log_in(client, username, password="wrong-password", address="10.2.3.4"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_failed_login_writes_one_line_with_user_address_and_utc_time(client, demo, security_log):
    _log_in(client, "teacher_math")
    fields = _only(security_log, "login_failed")
    assert (fields["user"], fields["address"]) == ("teacher_math", "10.2.3.4")


def test_a_lockout_writes_one_line_with_user_address_and_utc_time(client, demo, security_log):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _log_in(client, "teacher_math", address="10.5.6.7")
    fields = _only(security_log, "lockout")
    assert (fields["user"], fields["address"]) == ("teacher_math", "10.5.6.7")
    assert _log_in(client, "teacher_math", password="demo-2026", address="10.5.6.7").status_code == 429


def test_a_refused_page_writes_one_line_and_shows_the_vietnamese_403_page(client, demo, security_log):
    client.force_login(demo.user("teacher_math"))
    response = client.get(reverse("setup:index"), REMOTE_ADDR="10.7.7.7")
    assert response.status_code == 403
    page = response.content.decode()
    assert "Không có quyền truy cập" in page and "Bạn không có quyền thực hiện thao tác này." in page
    assert 'href="/"' in page or f'href="{reverse("home")}"' in page
    fields = _only(security_log, "refused")
    assert fields == {"status": "403", "user": "teacher_math", "address": "10.7.7.7", "method": "GET",
                      "path": reverse("setup:index"), "reason": "Bạn không có quyền thực hiện thao tác này."}


def test_another_schools_object_is_a_logged_404(client, demo, other_school, security_log):
    client.force_login(demo.user("principal"))
    school_class = other_school["school_class"]
    response = client.get(reverse("class_detail", args=[school_class.pk]), REMOTE_ADDR="10.8.8.8")
    assert response.status_code == 404
    fields = _only(security_log, "refused")
    assert fields["status"] == "404" and fields["user"] == "principal" and fields["address"] == "10.8.8.8"
    assert fields["reason"] == "other_school" and fields["object"] == f"SchoolClass#{school_class.pk}"
    assert fields["perm"] == "schoolrecords.view_schoolclass"


def test_a_colleagues_folder_the_user_may_not_see_is_a_404_logged_as_hidden(client, demo, security_log):
    client.force_login(demo.user("teacher_math"))  # a subject teacher: neither a leader nor gv_gdcd's head
    colleague = demo.user("gv_gdcd")
    response = client.get(reverse("eledger:folder", args=[colleague.pk]), REMOTE_ADDR="10.8.8.9")
    assert response.status_code == 404
    fields = _only(security_log, "refused")
    assert (fields["status"], fields["user"], fields["address"]) == ("404", "teacher_math", "10.8.8.9")
    assert (fields["reason"], fields["object"], fields["perm"]) == ("hidden", f"User#{colleague.pk}", "view")


def test_an_allowed_page_and_a_missing_row_write_no_refusal(client, demo, security_log):
    client.force_login(demo.user("principal"))
    assert client.get(reverse("class_detail", args=[demo.school_class("6A1").pk])).status_code == 200
    assert client.get(reverse("class_detail", args=[999999])).status_code == 404
    assert not [line for line in security_log if " refused " in line]


def test_a_refused_score_save_is_logged_too(client, demo, security_log):
    """The grid's save answers its own JSON 403; the refusal is logged all the same."""
    client.force_login(demo.user("gv_gdcd"))
    assignment = demo.assignment("6A1", "toan")
    enrolment = demo.school_class("6A1").enrolments.order_by("pk").first()
    response = client.post(reverse("gradebook:grid_save", args=[assignment.pk, 1]), content_type="application/json",
                           data={"cells": [{"enrolment": enrolment.pk, "kind": "tx", "index": 1, "text": "5"}]})
    assert response.status_code == 403
    fields = _only(security_log, "refused")
    assert (fields["status"], fields["user"], fields["method"]) == ("403", "gv_gdcd", "POST")
