"""Issue 18, item 1: a parent's account is deactivated, never deleted: by the homeroom teacher of a child's class,
the admin board or the leadership, with a reason and history; the closed account cannot log in and is told why."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from families import services
from families.models import Parent

from .test_families import PASSWORD, first_student, make_account


def _parent(demo, class_name="6A1", phone="0912345678"):
    _invitation, code = services.invitation_issue(actor=demo.user("board"), student=first_student(demo, class_name))
    return make_account(code, phone=phone, email_address="hanh@nha.test")


def test_the_homeroom_teacher_closes_an_account_from_the_class_families_page(demo, login):
    parent = _parent(demo)
    parent_client = Client()
    assert parent_client.post(reverse("login"), {"username": "0912 345 678", "password": PASSWORD}).status_code == 302
    assert parent_client.get(reverse("families:home")).status_code == 200

    client = login("homeroom_6a1")
    school_class = demo.school_class("6A1")
    families_page = client.get(reverse("families:class_families", args=[school_class.pk])).content.decode()
    url = reverse("families:parent_close", args=[school_class.pk, parent.pk])
    assert url in families_page
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    parent.user.refresh_from_db()
    assert parent.user.is_active  # nothing half-done

    response = client.post(url, {"reason": "Học sinh đã chuyển trường"})
    assert response.status_code == 302
    parent.refresh_from_db()
    parent.user.refresh_from_db()
    assert not parent.user.is_active and Parent.objects.filter(pk=parent.pk).exists()  # closed, not deleted
    last = parent.history.order_by("-history_date").first()
    assert last.history_user == demo.user("homeroom_6a1") and "Học sinh đã chuyển trường" in last.history_change_reason
    assert "Học sinh đã chuyển trường" in client.get(url).content.decode()  # the page shows the history
    families_page = client.get(reverse("families:class_families", args=[school_class.pk])).content.decode()
    assert url not in families_page and "Tài khoản đã khóa" in families_page

    # The open session ends; a new log-in is refused with a clear message, not "wrong password".
    assert parent_client.get(reverse("families:home")).status_code == 302
    with translation.override("vi"):
        response = Client().post(reverse("login"), {"username": "0912345678", "password": PASSWORD},
                                 HTTP_ACCEPT_LANGUAGE="vi")
    assert response.status_code == 200
    text = response.content.decode()
    assert "đã bị nhà trường khóa" in text
    # A wrong password still reads as a wrong password (the closed state is not told to a guesser).
    response = Client().post(reverse("login"), {"username": "0912345678", "password": "sai-mat-khau-1"})
    assert "đã bị nhà trường khóa" not in response.content.decode()


def test_who_may_close_an_account(demo):
    parent = _parent(demo)
    six, eight = demo.school_class("6A1"), demo.school_class("8A1")
    for username in ("teacher_math", "clerk", "gv_gdcd"):
        with pytest.raises(PermissionDenied):
            services.parent_deactivate(actor=demo.user(username), parent=parent, school_class=six, reason="x")
    with pytest.raises(PermissionDenied):  # the parent's child is not in 8A1
        services.parent_deactivate(actor=demo.user("principal"), parent=parent, school_class=eight, reason="x")
    with pytest.raises(ValidationError) as caught:
        services.parent_deactivate(actor=demo.user("vice"), parent=parent, school_class=six, reason="")
    assert list(caught.value.message_dict) == ["reason"]
    services.parent_deactivate(actor=demo.user("vice"), parent=parent, school_class=six, reason="Yêu cầu của gia đình")
    with pytest.raises(ValidationError):  # once
        services.parent_deactivate(actor=demo.user("board"), parent=parent, school_class=six, reason="Lần hai")


def test_a_parent_of_another_class_is_not_found_on_this_class_page(demo, login):
    parent = _parent(demo, "8A1")
    client = login("homeroom_6a1")
    assert client.get(reverse("families:parent_close", args=[demo.school_class("6A1").pk, parent.pk])).status_code == 404


def test_the_leadership_sees_the_class_families_and_closes_an_account_but_gives_no_codes(demo, login):
    parent = _parent(demo)
    school_class = demo.school_class("6A1")
    client = login("principal")
    detail = client.get(reverse("class_detail", args=[school_class.pk])).content.decode()
    page_url = reverse("families:class_families", args=[school_class.pk])
    assert page_url in detail
    page = client.get(page_url).content.decode()
    close_url = reverse("families:parent_close", args=[school_class.pk, parent.pk])
    assert close_url in page and "Issue a code" not in page and "Cấp mã" not in page
    assert client.post(page_url, {"student": first_student(demo).pk}).status_code == 403  # codes: homeroom, board
    assert client.post(close_url, {"reason": "Gia đình đề nghị"}).status_code == 302
    parent.user.refresh_from_db()
    assert not parent.user.is_active


def _sibling_in(other_school, parent):
    """The parent adds a child of another school with that school's code (the homeroom teacher's)."""
    from families.models import Guardianship

    _invitation, code = services.invitation_issue(actor=other_school["teacher"], student=other_school["student"])
    services.child_add(actor=parent.user, code=code, relation="mother")
    return Guardianship.objects.get(parent=parent, student=other_school["student"])


def test_a_parent_with_a_child_in_another_school_keeps_the_login_and_only_this_schools_links_end(
        demo, login, other_school):
    from families.models import Guardianship

    parent = _parent(demo)
    there = _sibling_in(other_school, parent)
    here = Guardianship.objects.get(parent=parent, student=first_student(demo))
    client = login("homeroom_6a1")
    url = reverse("families:parent_close", args=[demo.school_class("6A1").pk, parent.pk])
    with translation.override("vi"):
        response = client.post(url, {"reason": "Học sinh đã chuyển trường"}, follow=True, HTTP_ACCEPT_LANGUAGE="vi")
    assert "tài khoản vẫn mở để phụ huynh xem con ở trường khác" in response.content.decode()
    parent.user.refresh_from_db()
    here.refresh_from_db()
    there.refresh_from_db()
    assert parent.user.is_active and here.ended_at is not None and there.ended_at is None
    assert "Học sinh đã chuyển trường" in here.history.order_by("-history_date").first().history_change_reason
    assert here.history.first().history_user == demo.user("homeroom_6a1")
    parent_client = Client()
    parent_client.post(reverse("login"), {"username": "0912345678", "password": PASSWORD})
    assert parent_client.get(reverse("families:child", args=[other_school["student"].pk])).status_code == 200
    assert parent_client.get(reverse("families:child", args=[first_student(demo).pk])).status_code == 404


def test_the_board_or_leadership_reopens_a_closed_account_with_a_reason(demo, login):
    parent = _parent(demo)
    school_class = demo.school_class("6A1")
    services.parent_deactivate(actor=demo.user("homeroom_6a1"), parent=parent, school_class=school_class,
                               reason="Nhầm tài khoản")
    with pytest.raises(PermissionDenied):  # the homeroom teacher closes, but does not reopen
        services.parent_reopen(actor=demo.user("homeroom_6a1"), parent=parent, school_class=school_class, reason="x")
    url = reverse("families:parent_close", args=[school_class.pk, parent.pk])
    assert 'id="reopen-account"' not in login("homeroom_6a1").get(url).content.decode()

    client = login("board")
    families_page = client.get(reverse("families:class_families", args=[school_class.pk])).content.decode()
    assert url in families_page
    assert 'id="reopen-account"' in client.get(url).content.decode()
    response = client.post(url, {"reason": " ", "reopen": "1"})
    assert response.status_code == 400 and "reason" in response.context["form"].errors
    parent.user.refresh_from_db()
    assert not parent.user.is_active  # nothing half-done
    assert client.post(url, {"reason": "Gia đình đề nghị mở lại", "reopen": "1"}).status_code == 302
    parent.user.refresh_from_db()
    assert parent.user.is_active
    last = parent.history.order_by("-history_date").first()
    assert last.history_user == demo.user("board") and "Gia đình đề nghị mở lại" in last.history_change_reason
    with pytest.raises(ValidationError):  # open already
        services.parent_reopen(actor=demo.user("principal"), parent=parent, school_class=school_class, reason="y")
    assert Client().post(reverse("login"), {"username": "0912345678", "password": PASSWORD}).status_code == 302
