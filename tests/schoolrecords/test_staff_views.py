"""The set-up's staff accounts and departments screens, driven through the test client as the admin board."""

import datetime
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from schoolrecords import models as m
from schoolrecords import roles, services

pytestmark = pytest.mark.django_db
User = get_user_model()

NEW_PASSWORD = "Phan-Boi-Chau-1906"


def password_login(client: Client, username: str, password: str) -> bool:
    """client.login with a request, which django-axes needs to count failures."""
    return client.login(request=RequestFactory().post("/accounts/login/"), username=username, password=password)


def create_post(**overrides) -> dict:
    data = {
        "username": "nguyenvanbinh", "full_name": "Nguyễn Văn Bình", "position": "Giáo viên", "department": "",
        "phone": "0912 345 678", "roles": [roles.SUBJECT_TEACHER],
        "password1": "Tam-thoi-2026", "password2": "Tam-thoi-2026",
    }
    data.update(overrides)
    return data


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def add_staff(demo, count: int, *, prefix: str = "extra", department=None) -> list[m.StaffProfile]:
    board = demo.user("board")
    return [
        services.staff_create(actor=board, school=demo.school, username=f"{prefix}{i}", full_name=f"Giáo Viên Số {i}",
                              password="Mot-mat-khau-dai-2026", department=department,
                              role_names=[roles.SUBJECT_TEACHER, roles.CLERK])
        for i in range(count)
    ]


@pytest.fixture
def staff_catalogue(settings, tmp_path):
    """This screen's Vietnamese fragment compiled in front of the project catalogue, as the release build does."""
    if shutil.which("msgfmt") is None:
        pytest.skip("gettext's msgfmt is not installed")
    target = tmp_path / "vi" / "LC_MESSAGES"
    target.mkdir(parents=True)
    source = Path(settings.BASE_DIR) / "locale" / "parts" / "staff.po"
    subprocess.run(["msgfmt", "--check", "-o", str(target / "django.mo"), str(source)], check=True)
    settings.LOCALE_PATHS = [tmp_path, *settings.LOCALE_PATHS]  # resets Django's translation caches


@pytest.fixture
def stranger_school(db):
    """A second school with one staff member and one department, built by the system user."""
    system = services.system_user()
    school = m.School.objects.create(code="THCS-STAFF-X", name="Trường THCS Xa Lạ")
    department = services.department_save(actor=system, school=school, name="Tổ Toán")
    profile = services.staff_create(actor=system, school=school, username="xa_la", full_name="Người Xa Lạ",
                                    password="Xa-la-mat-khau-2026", department=department,
                                    role_names=[roles.SUBJECT_TEACHER])
    return {"school": school, "profile": profile, "department": department}


def profile_of(demo, username: str) -> m.StaffProfile:
    return m.StaffProfile.objects.get(user__username=username, school=demo.school)


def deactivate(client: Client, profile: m.StaffProfile, **data):
    url = reverse("setup:staff_deactivate", args=[profile.pk])
    return client.post(url, {"left_on": timezone.localdate().isoformat(), "reason": "Chuyển công tác",
                             "confirmed": "1", **data})


# --- creating an account and the first login ------------------------------------------

def test_board_creates_a_teacher_who_must_change_the_password_at_first_login(demo, login, client):
    response = login("board").post(reverse("setup:staff_create"), create_post(department=demo.subject("toan").department_id))
    profile = m.StaffProfile.objects.get(user__username="nguyenvanbinh")
    assert response.status_code == 302
    assert response["Location"] == reverse("setup:staff_edit", args=[profile.pk])
    assert profile.school == demo.school
    assert profile.must_change_password is True
    assert profile.department.name == "Tổ Toán - Tin"
    assert set(profile.user.groups.values_list("name", flat=True)) == {roles.SUBJECT_TEACHER}

    teacher = Client()
    assert password_login(teacher, "nguyenvanbinh", "Tam-thoi-2026")
    response = teacher.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")
    assert teacher.get(reverse("setup:staff_list"))["Location"] == reverse("password_change")

    response = teacher.post(reverse("password_change"), {
        "old_password": "Tam-thoi-2026", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD,
    })
    assert response.status_code == 302
    assert teacher.get(reverse("home")).status_code == 200
    profile.refresh_from_db()
    assert profile.must_change_password is False
    assert password_login(Client(), "nguyenvanbinh", NEW_PASSWORD)


@pytest.mark.parametrize(
    ("password1", "password2", "field", "vietnamese"),
    [
        ("ab1", "ab1", "password1", "Mật khẩu quá ngắn"),
        ("12345678901", "12345678901", "password1", "hoàn toàn là số"),
        ("password123", "password123", "password1", "quá phổ biến"),
        ("nguyenvanbinh", "nguyenvanbinh", "password1", "Mật khẩu quá giống"),
        ("Tam-thoi-2026", "Tam-thoi-2027", "password2", None),
    ],
)
def test_weak_or_mismatched_temporary_password_is_refused_at_its_field_and_creates_nothing(
    demo, login, staff_catalogue, password1, password2, field, vietnamese
):
    users_before, profiles_before = User.objects.count(), m.StaffProfile.objects.count()
    response = login("board").post(reverse("setup:staff_create"),
                                   create_post(password1=password1, password2=password2))
    assert response.status_code == 200
    assert field_errors(response, field)
    if vietnamese:
        # The error is Vietnamese and sits in the field's block, before the next field.
        html = response.content.decode()
        field_block = html[html.index('id="id_password1"'):html.index('id="id_password2"')]
        assert vietnamese in field_block
    assert (User.objects.count(), m.StaffProfile.objects.count()) == (users_before, profiles_before)
    assert 'value="nguyenvanbinh"' in response.content.decode()  # what was typed is kept


def test_taken_login_name_is_shown_at_the_login_field(demo, login):
    response = login("board").post(reverse("setup:staff_create"), create_post(username="TEACHER_MATH"))
    assert response.status_code == 200
    assert field_errors(response, "username")
    assert not m.StaffProfile.objects.filter(full_name="Nguyễn Văn Bình").exists()


def test_login_name_with_spaces_is_refused_at_its_field(demo, login):
    response = login("board").post(reverse("setup:staff_create"), create_post(username="nguyen van binh"))
    assert response.status_code == 200
    assert field_errors(response, "username")
    assert not User.objects.filter(username="nguyen van binh").exists()


def test_another_schools_department_cannot_be_chosen(demo, login, stranger_school):
    response = login("board").post(reverse("setup:staff_create"),
                                   create_post(department=stranger_school["department"].pk))
    assert response.status_code == 200
    assert field_errors(response, "department")
    assert not User.objects.filter(username="nguyenvanbinh").exists()


def test_the_screens_read_vietnamese_with_the_compiled_fragment(demo, login, staff_catalogue):
    client = login("board")
    html = client.get(reverse("setup:staff_list")).content.decode()
    assert "Tài khoản cán bộ, giáo viên" in html
    assert "Giáo viên bộ môn" in html and "Tổ trưởng chuyên môn" in html
    html = client.get(reverse("setup:staff_create")).content.decode()
    assert "Mật khẩu tạm thời" in html and "Tên đăng nhập" in html
    assert "Tổ chuyên môn" in client.get(reverse("setup:department_list")).content.decode()


# --- editing, roles and history -------------------------------------------------------

def edit_post(profile: m.StaffProfile, role_names, **overrides) -> dict:
    data = {"full_name": profile.full_name, "position": profile.position,
            "department": profile.department_id or "", "phone": profile.phone, "roles": list(role_names),
            "reason": ""}
    data.update(overrides)
    return data


def group_names(username: str) -> set[str]:
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_roles_ticked_on_the_edit_page_become_the_users_groups(demo, login):
    client = login("board")
    profile = profile_of(demo, "gv_tin")
    url = reverse("setup:staff_edit", args=[profile.pk])
    assert client.post(url, edit_post(profile, [roles.SUBJECT_TEACHER, roles.CLERK, roles.VICE_PRINCIPAL])
                       ).status_code == 302
    assert {roles.CLERK, roles.VICE_PRINCIPAL, roles.SUBJECT_TEACHER} <= group_names("gv_tin")
    assert User.objects.get(username="gv_tin").has_perm("schoolrecords.view_school_overview")

    assert client.post(url, edit_post(profile, [roles.SUBJECT_TEACHER])).status_code == 302
    assert not {roles.CLERK, roles.VICE_PRINCIPAL} & group_names("gv_tin")
    assert not User.objects.get(username="gv_tin").has_perm("schoolrecords.view_school_overview")


def test_derived_roles_stay_when_the_board_saves_roles(demo, login):
    profile = profile_of(demo, "head_math")  # a department head who teaches
    login("board").post(reverse("setup:staff_edit", args=[profile.pk]),
                        edit_post(profile, [roles.SUBJECT_TEACHER, roles.CLERK]))
    assert {roles.DEPARTMENT_HEAD, roles.SUBJECT_TEACHER, roles.CLERK} <= group_names("head_math")


def test_subject_teacher_role_is_kept_while_the_teacher_still_teaches(demo, login):
    profile = profile_of(demo, "teacher_math")
    response = login("board").post(reverse("setup:staff_edit", args=[profile.pk]),
                                   edit_post(profile, [roles.CLERK], full_name="Đỗ Thị Mai Anh"))
    assert response.status_code == 200
    assert field_errors(response, "roles")
    assert roles.SUBJECT_TEACHER in group_names("teacher_math")
    assert roles.CLERK not in group_names("teacher_math")
    profile.refresh_from_db()
    assert profile.full_name == "Đỗ Thị Mai"  # the details were not half-saved either


def test_board_cannot_take_the_admin_board_role_from_themselves(demo, login):
    profile = profile_of(demo, "board")
    response = login("board").post(reverse("setup:staff_edit", args=[profile.pk]),
                                   edit_post(profile, [roles.CLERK]))
    assert response.status_code == 200
    assert field_errors(response, "roles")
    assert group_names("board") == {roles.ADMIN_BOARD}


def test_subject_teacher_role_can_be_taken_from_someone_with_no_classes(demo, login):
    profile = add_staff(demo, 1)[0]
    login("board").post(reverse("setup:staff_edit", args=[profile.pk]), edit_post(profile, [roles.CLERK]))
    assert group_names(profile.user.username) == {roles.CLERK}


def test_edits_show_in_the_history_with_the_board_user_and_reason(demo, login):
    client = login("board")
    profile = profile_of(demo, "gv_cn")
    url = reverse("setup:staff_edit", args=[profile.pk])
    client.post(url, edit_post(profile, [roles.SUBJECT_TEACHER], phone="0988 111 222", reason="Đổi số điện thoại"))
    profile.refresh_from_db()
    assert profile.phone == "0988 111 222"
    latest = profile.history.first()
    assert latest.history_user == demo.user("board")
    assert latest.history_change_reason == "Đổi số điện thoại"

    response = client.get(url)
    html = response.content.decode()
    history_html = html[html.index('class="history"'):]
    assert "Lê Minh Quang" in history_html  # the board user's full name
    assert "Đổi số điện thoại" in history_html
    assert timezone.localdate().strftime("%d/%m/%Y") in history_html


def test_saving_without_changes_writes_no_history(demo, login):
    profile = profile_of(demo, "gv_cn")
    before = profile.history.count()
    login("board").post(reverse("setup:staff_edit", args=[profile.pk]), edit_post(profile, [roles.SUBJECT_TEACHER]))
    assert profile.history.count() == before


def test_bad_phone_is_refused_at_its_field(demo, login):
    profile = profile_of(demo, "gv_cn")
    response = login("board").post(reverse("setup:staff_edit", args=[profile.pk]),
                                   edit_post(profile, [roles.SUBJECT_TEACHER], phone="gọi cô Sơn"))
    assert field_errors(response, "phone")
    profile.refresh_from_db()
    assert profile.phone == ""


# --- password reset -------------------------------------------------------------------

def test_board_sets_a_temporary_password_that_must_be_changed(demo, login):
    profile = profile_of(demo, "gv_amnhac")
    url = reverse("setup:staff_password", args=[profile.pk])
    response = login("board").post(url, {"password1": "Tam-thoi-2026", "password2": "Tam-thoi-2026",
                                         "reason": "Quên mật khẩu"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.must_change_password is True
    assert not password_login(Client(), "gv_amnhac", "demo-2026")
    teacher = Client()
    assert password_login(teacher, "gv_amnhac", "Tam-thoi-2026")
    assert teacher.get(reverse("home"))["Location"] == reverse("password_change")


def test_temporary_password_like_the_login_name_is_refused(demo, login):
    profile = profile_of(demo, "gv_amnhac")
    response = login("board").post(reverse("setup:staff_password", args=[profile.pk]),
                                   {"password1": "gv_amnhac1", "password2": "gv_amnhac1"})
    assert response.status_code == 200
    assert field_errors(response, "password1")
    assert password_login(Client(), "gv_amnhac", "demo-2026")


# --- leaving and coming back ----------------------------------------------------------

def test_deactivation_asks_for_confirmation_before_changing_anything(demo, login):
    profile = profile_of(demo, "teacher_math")
    response = deactivate(login("board"), profile, confirmed="")
    assert response.status_code == 200
    assert response.context["confirming"] is True
    assert 'name="confirmed" value="1"' in response.content.decode()
    profile.refresh_from_db()
    assert profile.status == m.StaffProfile.Status.ACTIVE


def test_deactivated_teacher_cannot_log_in_loses_assignments_and_keeps_the_account(demo, login):
    assignment = demo.assignment("6A1", "toan")
    teacher = demo.user("teacher_math")
    assert teacher.has_perm("schoolrecords.teach_assignment", assignment)
    profile = profile_of(demo, "teacher_math")

    response = deactivate(login("board"), profile, reason="Chuyển công tác về trường khác")
    assert response.status_code == 302

    teacher = User.objects.get(username="teacher_math")  # fresh: permission caches
    profile = m.StaffProfile.objects.get(pk=profile.pk)
    assert teacher.is_active is False
    assert profile.status == m.StaffProfile.Status.LEFT
    assert profile.left_on == timezone.localdate()
    assignment.refresh_from_db()
    assert assignment.end_date is not None
    assert not teacher.has_perm("schoolrecords.teach_assignment", assignment)
    assert not m.TeachingAssignment.objects.filter(teacher=teacher, end_date__isnull=True).exists()
    assert not m.SchoolClass.objects.filter(homeroom_teacher=teacher).exists()
    assert not password_login(Client(), "teacher_math", "demo-2026")
    assert profile.history.first().history_change_reason == "Chuyển công tác về trường khác"
    assert profile.history.first().history_user == demo.user("board")


def test_deactivating_a_department_head_removes_the_headship_and_its_permission(demo, login):
    profile = profile_of(demo, "head_math")
    department = profile.department
    assert department.head == profile.user
    deactivate(login("board"), profile)
    department.refresh_from_db()
    head = User.objects.get(username="head_math")
    assert department.head is None
    assert not head.has_perm("schoolrecords.review_department", department)
    assert roles.DEPARTMENT_HEAD not in group_names("head_math")


def test_deactivation_needs_a_reason_and_changes_nothing_without_one(demo, login):
    profile = profile_of(demo, "teacher_math")
    response = deactivate(login("board"), profile, reason="   ")
    assert response.status_code == 200
    assert field_errors(response, "reason")
    assert User.objects.get(username="teacher_math").is_active


def test_leaving_date_in_the_future_is_refused(demo, login):
    profile = profile_of(demo, "teacher_math")
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = deactivate(login("board"), profile, left_on=tomorrow.isoformat())
    assert field_errors(response, "left_on")
    assert User.objects.get(username="teacher_math").is_active


def test_board_cannot_deactivate_their_own_account(demo, login):
    profile = profile_of(demo, "board")
    client = login("board")
    page = client.get(reverse("setup:staff_deactivate", args=[profile.pk]))
    assert page.status_code == 200
    assert page.context["is_self"] is True
    response = deactivate(client, profile)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert User.objects.get(username="board").is_active


def test_reactivated_staff_can_log_in_again(demo, login):
    client = login("board")
    profile = profile_of(demo, "gv_gddp")
    deactivate(client, profile)
    assert not password_login(Client(), "gv_gddp", "demo-2026")
    response = client.post(reverse("setup:staff_reactivate", args=[profile.pk]), {"reason": "Trở lại trường"})
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == m.StaffProfile.Status.ACTIVE and profile.left_on is None
    assert password_login(Client(), "gv_gddp", "demo-2026")


# --- the list -------------------------------------------------------------------------

def test_list_shows_working_staff_first_and_leavers_greyed_with_their_date(demo, login):
    client = login("board")
    profile = profile_of(demo, "gv_anh2")
    services.staff_deactivate(actor=demo.user("board"), profile=profile, left_on=datetime.date(2026, 1, 31),
                              reason="Nghỉ hưu")
    response = client.get(reverse("setup:staff_list"))
    rows = response.context["rows"]
    statuses = [p.status for p in rows]
    assert statuses == sorted(statuses, key=lambda s: s != m.StaffProfile.Status.ACTIVE)
    assert rows[-1].user.username == "gv_anh2"
    html = response.content.decode()
    assert '<tr class="ended">' in html
    assert "31/01/2026" in html
    assert len(rows) == m.StaffProfile.objects.filter(school=demo.school).count()


def test_list_shows_role_labels_department_and_password_state(demo, login):
    response = login("board").get(reverse("setup:staff_list"))
    head = next(p for p in response.context["rows"] if p.user.username == "head_math")
    assert str(roles.LABELS[roles.DEPARTMENT_HEAD]) in head.role_labels
    assert str(roles.LABELS[roles.SUBJECT_TEACHER]) in head.role_labels
    html = response.content.decode()
    assert "Tổ Toán - Tin" in html
    assert "subject_teacher" not in html  # labels, never the group names


def test_list_filters_by_status_department_and_search(demo, login):
    client = login("board")
    services.staff_deactivate(actor=demo.user("board"), profile=profile_of(demo, "gv_anh2"),
                              left_on=datetime.date(2026, 1, 31), reason="Nghỉ hưu")
    url = reverse("setup:staff_list")

    def usernames(**params):
        return {p.user.username for p in client.get(url, params).context["rows"]}

    assert usernames(status="left") == {"gv_anh2"}
    assert "gv_anh2" not in usernames(status="active")
    math = m.Department.objects.get(school=demo.school, name="Tổ Toán - Tin")
    assert usernames(department=math.pk) == {"teacher_math", "head_math", "gv_tin"}
    assert usernames(department="none") == {"principal", "vice", "board", "clerk"}
    assert usernames(q="do thi mai") == {"teacher_math"}  # no tone marks typed
    assert usernames(q="ĐỖ THỊ") == {"teacher_math"}
    assert usernames(q="head_") == {"head_math"}


@pytest.mark.parametrize("params", [{}, {"status": "active", "q": "thi"}])
def test_list_query_count_does_not_grow_with_the_staff(demo, login, django_assert_num_queries, params):
    client = login("board")
    url = reverse("setup:staff_list")
    client.get(url, params)  # warm the per-process caches (content types, sessions)
    with django_assert_num_queries(10) as before:
        client.get(url, params)
    math = m.Department.objects.get(school=demo.school, name="Tổ Toán - Tin")
    add_staff(demo, 5, prefix="thi_more", department=math)
    services.staff_deactivate(actor=demo.user("board"), profile=profile_of(demo, "thi_more0"),
                              left_on=timezone.localdate(), reason="test")
    with django_assert_num_queries(10) as after:
        response = client.get(url, params)
    assert len(response.context["rows"]) >= 5
    assert len(after.captured_queries) == len(before.captured_queries)


# --- departments ----------------------------------------------------------------------

def test_departments_list_shows_head_and_working_members(demo, login):
    response = login("board").get(reverse("setup:department_list"))
    math = next(d for d in response.context["departments"] if d.name == "Tổ Toán - Tin")
    assert math.head.username == "head_math"
    assert math.member_count == 3
    assert "Hoàng Văn Long" in response.content.decode()


def test_department_list_query_count_does_not_grow(demo, login, django_assert_num_queries):
    client = login("board")
    url = reverse("setup:department_list")
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    board = demo.user("board")
    for i in range(5):
        department = services.department_save(actor=board, school=demo.school, name=f"Tổ mới {i}")
        add_staff(demo, 2, prefix=f"dept{i}_", department=department)
        services.department_set_head(actor=board, department=department,
                                     head=User.objects.get(username=f"dept{i}_0"))
    with django_assert_num_queries(8):
        response = client.get(url)
    assert len(response.context["departments"]) == 10


def test_board_creates_a_department_and_chooses_its_head(demo, login):
    client = login("board")
    response = client.post(reverse("setup:department_list"), {"name": "  Tổ   Giáo dục thể chất "})
    department = m.Department.objects.get(school=demo.school, name="Tổ Giáo dục thể chất")
    assert response["Location"] == reverse("setup:department_edit", args=[department.pk])

    head = demo.user("gv_gdtc")
    response = client.post(reverse("setup:department_edit", args=[department.pk]),
                           {"action": "head", "head": head.pk, "reason": "Phân công tổ trưởng"})
    assert response.status_code == 302
    department.refresh_from_db()
    assert department.head == head
    head = User.objects.get(pk=head.pk)
    assert head.has_perm("schoolrecords.review_department", department)
    assert roles.DEPARTMENT_HEAD in group_names("gv_gdtc")

    client.post(reverse("setup:department_edit", args=[department.pk]), {"action": "head", "head": ""})
    department.refresh_from_db()
    assert department.head is None
    assert not User.objects.get(pk=head.pk).has_perm("schoolrecords.review_department", department)


def test_department_rename_and_duplicate_name_is_refused_at_the_field(demo, login):
    client = login("board")
    department = m.Department.objects.get(school=demo.school, name="Tổ Ngoại ngữ")
    url = reverse("setup:department_edit", args=[department.pk])
    assert client.post(url, {"action": "rename", "name": "Tổ Tiếng Anh"}).status_code == 302
    department.refresh_from_db()
    assert department.name == "Tổ Tiếng Anh"
    assert department.history.first().history_user == demo.user("board")

    response = client.post(url, {"action": "rename", "name": "tổ toán - tin"})
    assert response.status_code == 200
    assert response.context["name_form"].errors["name"]
    department.refresh_from_db()
    assert department.name == "Tổ Tiếng Anh"
    response = client.post(reverse("setup:department_list"), {"name": "Tổ Toán - Tin"})
    assert response.context["form"].errors["name"]


def test_a_leaver_cannot_be_chosen_as_department_head(demo, login):
    client = login("board")
    leaver = profile_of(demo, "gv_mithuat")
    services.staff_deactivate(actor=demo.user("board"), profile=leaver, left_on=timezone.localdate(), reason="test")
    department = m.Department.objects.get(school=demo.school, name="Tổ Năng khiếu - Hoạt động")
    response = client.post(reverse("setup:department_edit", args=[department.pk]),
                           {"action": "head", "head": leaver.user_id})
    assert response.status_code == 200
    assert response.context["head_form"].errors["head"]
    department.refresh_from_db()
    assert department.head.username == "gv_gdtc"


# --- who may use these pages ----------------------------------------------------------

def staff_pages(profile_pk: int, department_pk: int) -> list[str]:
    return [
        reverse("setup:staff_list"),
        reverse("setup:staff_create"),
        reverse("setup:staff_edit", args=[profile_pk]),
        reverse("setup:staff_password", args=[profile_pk]),
        reverse("setup:staff_deactivate", args=[profile_pk]),
        reverse("setup:staff_reactivate", args=[profile_pk]),
        reverse("setup:department_list"),
        reverse("setup:department_edit", args=[department_pk]),
    ]


@pytest.mark.parametrize("username", ["teacher_math", "principal", "clerk", "head_math"])
def test_everyone_but_the_board_gets_403_on_every_page(demo, login, username):
    client = login(username)
    target = profile_of(demo, "gv_van2")
    department = target.department
    for url in staff_pages(target.pk, department.pk):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "x", "reason": "x", "action": "rename"}).status_code == 403, url
    target.refresh_from_db()
    assert target.status == m.StaffProfile.Status.ACTIVE
    department.refresh_from_db()
    assert department.name != "x"


def test_anonymous_visitors_are_sent_to_the_login_page(demo, client):
    for url in staff_pages(profile_of(demo, "gv_van2").pk, 1):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url


def test_another_schools_profile_and_department_are_not_found(demo, login, stranger_school):
    client = login("board")
    profile, department = stranger_school["profile"], stranger_school["department"]
    urls = staff_pages(profile.pk, department.pk)[2:6] + [reverse("setup:department_edit", args=[department.pk])]
    for url in urls:
        assert client.get(url).status_code == 404, url
        assert client.post(url, {"reason": "x", "left_on": timezone.localdate().isoformat(), "confirmed": "1",
                                 "action": "rename", "name": "x"}).status_code == 404, url
    assert User.objects.get(username="xa_la").is_active
    department.refresh_from_db()
    assert department.name == "Tổ Toán"
    listed = {p.user.username for p in client.get(reverse("setup:staff_list")).context["rows"]}
    assert "xa_la" not in listed


def test_another_schools_staff_cannot_be_made_department_head(demo, login, stranger_school):
    department = m.Department.objects.get(school=demo.school, name="Tổ Ngoại ngữ")
    response = login("board").post(reverse("setup:department_edit", args=[department.pk]),
                                   {"action": "head", "head": stranger_school["profile"].user_id})
    assert response.context["head_form"].errors["head"]
    department.refresh_from_db()
    assert department.head.username == "gv_anh1"


# --- separation of duties ------------------------------------------------------------------


def test_the_board_cannot_give_itself_a_role(demo, login, caplog):
    profile = profile_of(demo, "board")
    response = login("board").post(reverse("setup:staff_edit", args=[profile.pk]),
                                   edit_post(profile, [roles.ADMIN_BOARD, roles.PRINCIPAL]))

    assert response.status_code == 200
    assert field_errors(response, "roles")
    assert group_names("board") == {roles.ADMIN_BOARD}
    assert "role_granted" not in caplog.text


def test_only_a_principal_or_the_district_administrator_gives_the_principal_role(demo, login, caplog):
    profile = profile_of(demo, "gv_tin")
    refused = login("board").post(reverse("setup:staff_edit", args=[profile.pk]),
                                  edit_post(profile, [roles.SUBJECT_TEACHER, roles.PRINCIPAL]))
    assert refused.status_code == 200
    assert any("Hiệu trưởng" in error for error in field_errors(refused, "roles"))
    assert roles.PRINCIPAL not in group_names("gv_tin")

    district = services.system_user()  # the district administrator's kind of account
    with caplog.at_level("INFO", logger="schoolrecords.security"):
        services.staff_set_roles(actor=district, profile=profile, role_names=[roles.SUBJECT_TEACHER, roles.PRINCIPAL],
                                 reason="Bổ nhiệm")
        assert roles.PRINCIPAL in group_names("gv_tin")
        services.staff_set_roles(actor=district, profile=profile, role_names=[roles.SUBJECT_TEACHER])
    assert roles.PRINCIPAL not in group_names("gv_tin")
    assert f"role_granted user=gv_tin role=principal by={district.username}" in caplog.text
    assert f"role_revoked user=gv_tin role=principal by={district.username}" in caplog.text


def test_the_board_cannot_take_the_principal_role_away_either(demo):
    principal = profile_of(demo, "principal")
    with pytest.raises(ValidationError) as refused:
        services.staff_set_roles(actor=demo.user("board"), profile=principal, role_names=[])
    assert "roles" in refused.value.message_dict
    assert roles.PRINCIPAL in group_names("principal")


def test_every_role_the_board_gives_or_takes_goes_to_the_security_log(demo, login, caplog):
    profile = profile_of(demo, "gv_tin")
    client = login("board")
    with caplog.at_level("INFO", logger="schoolrecords.security"):
        client.post(reverse("setup:staff_edit", args=[profile.pk]), edit_post(profile, [roles.SUBJECT_TEACHER,
                                                                                           roles.CLERK]))
        client.post(reverse("setup:staff_edit", args=[profile.pk]), edit_post(profile, [roles.SUBJECT_TEACHER]))
    assert "role_granted user=gv_tin role=clerk by=board" in caplog.text
    assert "role_revoked user=gv_tin role=clerk by=board" in caplog.text
