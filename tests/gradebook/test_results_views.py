"""The pages: homeroom sheet, class results, re-test and summer forms, exemptions, approval, progress; query counts."""

import datetime
import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from gradebook.models import (
    ConductResult,
    Exemption,
    MonthlyAbsence,
    ResultApproval,
    RetestResult,
    StudentRemark,
)
from gradebook.results.services import field_key
from schoolrecords import models as sm
from schoolrecords import services as setup
from seed.demo import demo_year

from .test_results import complete_year, fill_scores, one_student, set_conduct, studying

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db


def url(name, demo, *args, class_name="6A1"):
    return reverse(f"gradebook:{name}", args=[demo.school_class(class_name).pk, *args])


def add_students(demo, count: int, class_name: str = "6A1") -> list[sm.Enrolment]:
    board = demo.user("board")
    added = []
    for number in range(count):
        student = setup.student_save(actor=board, school=demo.school, code=f"RES{class_name}{number:03d}",
                                     full_name=f"Trần Thị Thêm {number}", date_of_birth=datetime.date(2014, 5, 5),
                                     gender=sm.Student.Gender.FEMALE)
        added.append(setup.enrolment_create(actor=board, student=student, school_class=demo.school_class(class_name)))
    return added


# --- the homeroom sheet ------------------------------------------------------------------------------


def test_the_homeroom_sheet_shows_every_student_with_conduct_the_terms_months_and_remark(demo, login):
    response = login("homeroom_6a1").get(url("homeroom", demo, 1))

    assert response.status_code == 200
    html = response.content.decode()
    enrolment = studying(demo)[0]
    assert f'name="{field_key("conduct", enrolment.pk)}"' in html
    assert f'name="{field_key("excused", enrolment.pk, DEMO_YEAR.month(12))}"' in html
    assert f'name="{field_key("excused", enrolment.pk, DEMO_YEAR.month(1))}"' not in html  # January counts in term II
    assert html.count('<tr') == 2 + 40  # two header rows, 40 students (the one who left in February included)
    # ... and the sheet says where January went; every box is named for a screen reader (issue 13)
    assert 'id="months-elsewhere"' in html and f"01/{DEMO_YEAR.first + 1}" in html.split('id="months-elsewhere"')[1].split("</p>")[0]
    name = enrolment.student.full_name
    assert re.search(rf'aria-label="[^"]*{re.escape(name)}[^"]*12/{DEMO_YEAR.first}"[^>]*name="{field_key("excused", enrolment.pk, DEMO_YEAR.month(12))}"'
                     rf'|name="{field_key("excused", enrolment.pk, DEMO_YEAR.month(12))}"[^>]*aria-label="[^"]*{re.escape(name)}', html)
    assert html.count('aria-label=') >= 40 * (1 + 2 * 4 + 1)  # conduct, P and K of 4 months, remark
    assert "data-unsaved-warning=" in html and html.count("Lưu bảng") + html.count("Save the sheet") >= 2


def _sheet_post(demo, enrolments, **overrides):
    data = {}
    for enrolment in enrolments:
        data[field_key("conduct", enrolment.pk)] = "tot"
        data[field_key("remark", enrolment.pk)] = ""
        for month in [DEMO_YEAR.month(9), DEMO_YEAR.month(10), DEMO_YEAR.month(11), DEMO_YEAR.month(12)]:
            data[field_key("excused", enrolment.pk, month)] = ""
            data[field_key("unexcused", enrolment.pk, month)] = ""
    data.update(overrides)
    return data


def test_saving_the_sheet_records_everything_and_comes_back_to_it(demo, login):
    first, second = studying(demo)[:2]
    data = _sheet_post(demo, [first, second], **{
        field_key("conduct", second.pk): "dat", field_key("excused", first.pk, DEMO_YEAR.month(10)): "2",
        field_key("remark", first.pk): "Ngoan, học tốt",
    })
    response = login("homeroom_6a1").post(url("homeroom", demo, 1), data)

    assert response.status_code == 302 and response.url == url("homeroom", demo, 1)
    assert ConductResult.objects.get(enrolment=second).level == "dat"
    assert MonthlyAbsence.objects.get(enrolment=first).excused == 2
    assert StudentRemark.objects.get(enrolment=first).text == "Ngoan, học tốt"


def test_a_bad_entry_is_shown_at_its_field_and_nothing_is_saved(demo, login):
    first, second = studying(demo)[:2]
    data = _sheet_post(demo, [first, second], **{
        field_key("excused", second.pk, DEMO_YEAR.month(11)): "-3", field_key("unexcused", first.pk, DEMO_YEAR.month(9)): "hai",
        field_key("remark", first.pk): "Ngoan",
    })
    response = login("homeroom_6a1").post(url("homeroom", demo, 1), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "Số buổi nghỉ học không được là số âm." in html  # already in the catalogue
    assert html.count('class="c invalid"') == 2
    assert 'value="-3"' in html and 'value="hai"' in html  # what was typed stays on screen
    assert not ConductResult.objects.filter(enrolment__school_class__year__is_current=True).exists() and not StudentRemark.objects.filter(enrolment__school_class__year__is_current=True).exists()


@pytest.mark.parametrize(("username", "status"), [
    ("teacher_math", 403), ("principal", 403), ("gv_anh1", 403), ("homeroom_6a1", 200)])
def test_only_the_homeroom_teacher_opens_the_sheet(demo, login, username, status):
    assert login(username).get(url("homeroom", demo, 2)).status_code == status


def test_another_schools_class_is_not_found(demo, login, other_school):
    pk = other_school["school_class"].pk
    client = login("principal")
    assert client.get(reverse("gradebook:results", args=[pk, "year"])).status_code == 404
    assert client.get(reverse("gradebook:homeroom", args=[pk, 1])).status_code == 404
    assert client.get(reverse("gradebook:exemptions", args=[pk])).status_code == 404
    assert client.post(reverse("gradebook:results_approve", args=[pk, 1])).status_code == 404


def test_the_pages_need_a_login(demo, client):
    response = client.get(url("results", demo, 1))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- class results --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "status"), [
    ("principal", 200), ("vice", 200), ("homeroom_6a1", 200), ("teacher_math", 403), ("clerk", 403),
    ("gv_anh1", 403), ("board", 403)])
def test_the_class_results_are_for_leadership_and_the_homeroom_teacher(demo, login, username, status):
    assert login(username).get(url("results", demo, "year")).status_code == status


def test_the_term_results_page_lists_averages_levels_and_conduct(demo, login):
    enrolment = one_student(demo, ["9.0", "8.5", "8.5", "8.0", "8.0", "8.0", "7.5", "4.8"])
    response = login("vice").get(url("results", demo, 2))

    html = response.content.decode()
    assert response.status_code == 200
    row = re.search(rf"<tr>\s*<td class=\"num\">\d+</td>\s*<td class=\"name\">{enrolment.student.full_name}.*?</tr>",
                    html, re.DOTALL).group(0)
    assert "4,8" in row and "8,5" in row
    assert 'name="note"' not in html  # the approve form is the principal's


def test_the_year_page_gives_the_homeroom_teacher_the_retest_and_summer_forms(demo, login):
    retest = one_student(demo, ["6.0"] * 6 + ["3.0", "4.5"])
    client = login("homeroom_6a1")
    html = client.get(url("results", demo, "year")).content.decode()

    assert 'id="retest-list"' in html and 'id="summer-list"' in html
    cn, tin = demo.subject("cn"), demo.subject("tin")
    assert f'name="{field_key("retest", retest.pk, cn.pk)}"' in html

    response = client.post(url("retests_save", demo), {field_key("retest", retest.pk, cn.pk): "6,5",
                                                       field_key("retest", retest.pk, tin.pk): "abc"})
    assert response.status_code == 400
    assert "Điểm phải là một số" in response.content.decode() and not RetestResult.objects.filter(enrolment__school_class__year__is_current=True).exists()

    response = client.post(url("retests_save", demo), {field_key("retest", retest.pk, cn.pk): "6,5",
                                                       field_key("retest", retest.pk, tin.pk): "5"})
    assert response.status_code == 302
    assert RetestResult.objects.filter(enrolment__school_class__year__is_current=True).count() == 2
    assert login("principal").post(url("retests_save", demo), {}).status_code == 403


def test_the_summer_form_records_the_reassessment(demo, login):
    enrolment = one_student(demo, ["8.0"] * 8, conduct=("chua_dat", "chua_dat"))
    response = login("homeroom_6a1").post(url("summer_save", demo), {field_key("summer", enrolment.pk): "dat"})

    assert response.status_code == 302
    html = login("homeroom_6a1").get(url("results", demo, "year")).content.decode()
    assert enrolment.summer_reassessment.level == "dat" and 'id="summer"' in html


def test_the_approve_button_is_disabled_with_the_gaps_listed_until_every_cell_is_filled(demo, login):
    client = login("principal")
    html = client.get(url("results", demo, 1)).content.decode()
    assert 'id="gaps"' in html and re.search(r"<button type=\"submit\" disabled>", html)

    fill_scores(demo, 1)
    set_conduct(demo, 1)
    html = client.get(url("results", demo, 1)).content.decode()
    assert 'id="gaps"' not in html and not re.search(r"<button type=\"submit\" disabled>", html)
    response = client.post(url("results_approve", demo, 1), {"note": "Đã kiểm tra"})
    assert response.status_code == 302
    assert ResultApproval.objects.get(school_class__year__is_current=True).note == "Đã kiểm tra"


def test_an_early_approval_is_refused_with_a_message(demo, login):
    response = login("principal").post(url("results_approve", demo, 1), follow=True)

    assert response.status_code == 200 and not ResultApproval.objects.filter(school_class__year__is_current=True).exists()
    assert "Toán" in response.content.decode()  # the gaps are named


def test_only_the_principal_approves_through_the_page(demo, login):
    fill_scores(demo, 1)
    set_conduct(demo, 1)
    assert login("vice").post(url("results_approve", demo, 1)).status_code == 403
    assert login("homeroom_6a1").post(url("results_approve", demo, 1)).status_code == 403
    assert not ResultApproval.objects.filter(school_class__year__is_current=True).exists()


# --- exemptions -----------------------------------------------------------------------------------------


def test_the_principal_exempts_and_revokes_through_the_page(demo, login):
    enrolment = studying(demo)[0]
    client = login("principal")
    assert client.get(url("exemptions", demo)).status_code == 200
    response = client.post(url("exemptions", demo), {
        "enrolment": enrolment.pk, "subject": demo.subject("gdtc").pk, "period": "year",
        "reason": "Khuyết tật vận động", "evidence_note": "Giấy xác nhận khuyết tật"})
    assert response.status_code == 302
    exemption = Exemption.objects.get()
    assert exemption.term is None and "Khuyết tật vận động" in client.get(url("exemptions", demo)).content.decode()

    response = client.post(url("exemption_revoke", demo, exemption.pk), {"reason": "Nhập nhầm"})
    assert response.status_code == 302 and not Exemption.objects.exists()


def test_a_refused_exemption_is_shown_at_its_field(demo, login):
    enrolment = studying(demo)[0]
    client = login("principal")
    data = {"enrolment": enrolment.pk, "subject": demo.subject("gdtc").pk, "period": "1", "reason": "Ốm"}
    client.post(url("exemptions", demo), data)
    response = client.post(url("exemptions", demo), data)

    assert response.status_code == 400 and Exemption.objects.count() == 1
    assert re.search(r'class="field invalid">\s*<label for="id_period"', response.content.decode())


@pytest.mark.parametrize("username", ["vice", "homeroom_6a1", "teacher_math"])
def test_the_exemptions_page_is_the_principals(demo, login, username):
    assert login(username).get(url("exemptions", demo)).status_code == 403


# --- progress ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("username", "status"), [
    ("principal", 200), ("vice", 200), ("homeroom_6a1", 403), ("board", 403), ("head_math", 403)])
def test_the_progress_page_is_for_the_principal_and_the_vice_principal(demo, login, username, status):
    assert login(username).get(reverse("gradebook:progress")).status_code == status


def test_progress_counts_filled_and_required_cells_per_teacher_class_and_subject(demo, login):
    enrolment = studying(demo)[0]
    fill_scores(demo, 1, students=[enrolment])
    from gradebook.results.services import exemption_create

    exemption_create(actor=demo.user("principal"), enrolment=studying(demo)[1], subject=demo.subject("toan"),
                     term=None, reason="Ốm dài ngày")
    from gradebook.results.selectors import progress

    report = progress(actor=demo.user("vice"), number=1)
    toan = next(row for row in report.rows if row.school_class.name == "6A1" and row.subject
                and row.subject.code == "toan")
    # 40 students at the end of term I (the transfer left in term II), one exempt; 4 ĐĐGtx + GK + CK.
    assert (toan.teacher, toan.filled, toan.required) == ("Đỗ Thị Mai", 6, 39 * 6)
    conduct = next(row for row in report.rows if row.school_class.name == "6A1" and row.subject is None)
    assert (conduct.teacher, conduct.filled, conduct.required) == ("Ngô Thị Thu Hà", 0, 40)
    html = login("principal").get(reverse("gradebook:progress") + "?term=1").content.decode()
    assert "Đỗ Thị Mai" in html and "6 / 234" in html
    # the whole school's count with the Vietnamese thousands separator (issue 13: "21.148", not "21148")
    whole = progress(actor=demo.user("vice"), number=1)
    assert whole.required >= 1000
    assert f"{whole.required // 1000}.{whole.required % 1000:03d}" in html


def test_progress_defaults_to_the_term_under_way(demo):
    from gradebook.results.selectors import progress

    assert progress(actor=demo.user("vice"), today=DEMO_YEAR.on(11, 1)).term.number == 1
    assert progress(actor=demo.user("vice"), today=DEMO_YEAR.on(3, 1)).term.number == 2
    assert progress(actor=demo.user("vice"), today=DEMO_YEAR.next.on(7, 1)).term.number == 2


# --- the home page fragment ----------------------------------------------------------------------------------


def test_the_home_fragment_links_each_homeroom_class_to_its_sheets_and_results(demo):
    school_class = demo.school_class("6A1")
    html = render_to_string("gradebook/_home_homeroom.html", {"homeroom": [school_class]})

    for name, period in [("homeroom", 1), ("homeroom", "year"), ("results", 2), ("results", "year")]:
        assert f'href="{reverse(f"gradebook:{name}", args=[school_class.pk, period])}"' in html


# --- query counts ------------------------------------------------------------------------------------------


def _counted_get(client, path, django_assert_num_queries, expected):
    with django_assert_num_queries(expected):
        response = client.get(path)
    assert response.status_code == 200
    return response


# Session and user; the actor's school (profile with school); the class with its year and homeroom teacher;
# the actor's roles; the homeroom right (global permissions: user, groups; object permissions: user,
# groups); the class data (terms, subjects, class list, scores, conduct, absences, remarks, exemptions,
# re-tests, summer, approvals, teachers, subject teachers' remarks, earlier results, approved individual plans); the approval a correction withdrew last (none here: without
# one, the changes since are not read); the base template's current year.
RESULTS_QUERIES = 26


def test_the_year_results_page_costs_the_same_queries_for_40_and_50_students(demo, login, django_assert_num_queries):
    complete_year(demo, marks={studying(demo)[0].pk: {"cn": "3"}})
    client = login("homeroom_6a1")
    first = _counted_get(client, url("results", demo, "year"), django_assert_num_queries, RESULTS_QUERIES)

    added = add_students(demo, 10)
    for number in (1, 2):
        fill_scores(demo, number, students=added, marks={added[0].pk: {"tin": "4"}})
        set_conduct(demo, number, students=added)
    second = _counted_get(client, url("results", demo, "year"), django_assert_num_queries, RESULTS_QUERIES)

    assert first.content.decode().count('class="name"') < second.content.decode().count('class="name"')


# As above, with the principal: a role instead of the homeroom right; the base template then asks for
# the set-up right (global permissions: user, groups).
TERM_RESULTS_QUERIES = 24


def test_the_term_results_page_costs_the_same_queries_for_40_and_50_students(demo, login, django_assert_num_queries):
    fill_scores(demo, 1)
    client = login("principal")
    _counted_get(client, url("results", demo, 1), django_assert_num_queries, TERM_RESULTS_QUERIES)
    added = add_students(demo, 10)
    fill_scores(demo, 1, students=added)
    _counted_get(client, url("results", demo, 1), django_assert_num_queries, TERM_RESULTS_QUERIES)


# Session and user; the actor's school (profile with school); the class; the homeroom right (global
# permissions: user, groups; object permissions: user, groups); terms, class list, conduct, absences,
# remarks, approvals, the months kept by day (daily roll-call); the base template's current year and the
# roles it shows.
HOMEROOM_QUERIES = 17


def test_the_homeroom_sheet_costs_the_same_queries_for_40_and_50_students(demo, login, django_assert_num_queries):
    client = login("homeroom_6a1")
    set_conduct(demo, 1)
    _counted_get(client, url("homeroom", demo, 1), django_assert_num_queries, HOMEROOM_QUERIES)
    added = add_students(demo, 10)
    set_conduct(demo, 1, students=added)
    _counted_get(client, url("homeroom", demo, 1), django_assert_num_queries, HOMEROOM_QUERIES)


# Session and user; the actor's school (profile with school) and roles; the current year; terms, classes,
# students due per class, subjects per grade, assignments with teachers, exemptions, filled cells,
# conduct; the last reminder per teacher; the base template's current year and set-up right.
PROGRESS_QUERIES = 17


def test_the_progress_page_costs_the_same_queries_with_two_more_classes(demo, login, django_assert_num_queries):
    client = login("principal")
    _counted_get(client, reverse("gradebook:progress") + "?term=1", django_assert_num_queries, PROGRESS_QUERIES)

    board = demo.user("board")
    for name in ("6A3", "6A4"):
        school_class = setup.school_class_save(actor=board, year=demo.year, name=name, grade=6,
                                               homeroom_teacher=demo.user("gv_cn"))
        setup.assignment_create(actor=board, school_class=school_class, subject=demo.subject("toan"),
                                teacher=demo.user("teacher_math"), start_date=demo.year.start_date)
        add_students(demo, 3, class_name=name)
    response = _counted_get(client, reverse("gradebook:progress") + "?term=1", django_assert_num_queries,
                            PROGRESS_QUERIES)
    assert "6A4" in response.content.decode()
