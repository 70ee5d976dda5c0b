"""A primary class's year (TT27): the qualities and competencies sheet, the year record and the principal's
decision, the class results, approval of term I and the year, and the printed forms' sheet (gradebook.api).

The primary school is built here through the services (the demo is a lower-secondary school); the subject
levels and test scores, whose grid is another package's, are written with history by ``enter_subjects``.
"""

import datetime
import json

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation
from simple_history.utils import bulk_create_with_history

from gradebook import api, signals
from gradebook.models import PrimaryAssessment, PrimaryTrait, PrimaryTraitAssessment, PrimaryYearRecord, ResultApproval
from gradebook.primaryyear import selectors, services
from gradebook.primaryyear.services import TraitInput
from gradebook.results.compute import YEAR
from gradebook.rules import tt27
from schoolrecords import models as sm
from schoolrecords import services as setup

pytestmark = pytest.mark.django_db

PASSWORD = "primary-pass-2026"
POINTS = tuple(tt27.AssessmentPoint)
# Grade 3 tests Tiếng Việt, Toán, Ngoại ngữ 1 and Tin học và Công nghệ; this class does not study the last,
# so three end-of-year tests, as in DOMAIN.md's worked examples.
SUBJECTS = {"tv": "Tiếng Việt", "toan": "Toán", "nn1": "Tiếng Anh", "dd": "Đạo đức"}
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Minh Châu", "Phạm Thu Dung", "Hoàng Gia Huy", "Vũ Ngọc Lan",
         "Đỗ Quang Minh", "Bùi Thảo Nhi", "Đặng Hải Phong", "Ngô Bảo Quyên", "Dương Tú Sơn", "Lý Mai Trang"]


class Primary:
    """A primary school with one grade-3 year, its staff and classes (built through the services)."""

    def __init__(self):
        self.system = system = setup.system_user()
        self.school = sm.School.objects.create(code="TH-LQD", name="Trường TH Lê Quang Định",
                                               level=sm.School.Level.PRIMARY)
        year = setup.school_year_create(
            actor=system, school=self.school, name="2026-2027", start_date=datetime.date(2026, 9, 5),
            end_date=datetime.date(2027, 5, 31),
            term_dates=((datetime.date(2026, 9, 5), datetime.date(2027, 1, 15)),
                        (datetime.date(2027, 1, 18), datetime.date(2027, 5, 25))), make_current=True)
        self.year = setup.school_year_update(actor=system, year=year, rule_set=sm.RuleSet.TT27)
        self.subjects = {code: setup.subject_save(actor=system, school=self.school, code=code, name=name, order=i,
                                                  assessment_mode=sm.Subject.Mode.LEVELS)
                         for i, (code, name) in enumerate(SUBJECTS.items())}
        setup.grade_subjects_set(actor=system, year=self.year, grade=3,
                                 periods={s.pk: 70 for s in self.subjects.values()})
        self.users = {}
        for username, roles in (("th_principal", ["principal"]), ("th_vice", ["vice_principal"]),
                                ("th_board", ["admin_board"]), ("th_clerk", ["clerk"]),
                                ("th_homeroom", ["subject_teacher"]), ("th_homeroom2", ["subject_teacher"]),
                                ("th_teacher", ["subject_teacher"])):
            self.users[username] = setup.staff_create(
                actor=system, school=self.school, username=username, full_name=f"Cô {username}", password=PASSWORD,
                role_names=roles, must_change_password=False).user
        self.classes: dict[str, sm.SchoolClass] = {}
        self.number = 0

    def user(self, name):
        return self.users[name]

    def school_class(self, name: str, size: int, homeroom: str = "th_homeroom") -> sm.SchoolClass:
        school_class = setup.school_class_save(actor=self.system, year=self.year, name=name, grade=3,
                                               homeroom_teacher=self.users[homeroom])
        for index in range(size):
            self.number += 1
            student = setup.student_save(actor=self.system, school=self.school, code=f"HS{self.number:04d}",
                                         full_name=NAMES[index % len(NAMES)] + ("" if index < len(NAMES) else
                                                                                 f" {index}"),
                                         date_of_birth=datetime.date(2018, 1 + index % 12, 1), gender="female")
            setup.enrolment_create(actor=self.system, student=student, school_class=school_class,
                                   start_date=self.year.start_date)
        self.classes[name] = school_class
        return school_class

    def enrolments(self, school_class) -> list[sm.Enrolment]:
        return list(sm.Enrolment.objects.filter(school_class=school_class).select_related("student", "school_class")
                    .order_by("pk"))


@pytest.fixture
def primary(db):
    return Primary()


@pytest.fixture
def klass(primary):
    return primary.school_class("3A1", 3)


def enter_subjects(primary, enrolment, point, levels: dict[str, str], tests: dict[str, int] | None = None):
    """Subject levels (and test scores) of one student at one point, with history (the grid is primgrid's)."""
    tests = tests or {}
    rows = [PrimaryAssessment(enrolment=enrolment, subject=primary.subjects[code], point=point, level=level,
                              test_score=tests.get(code), updated_by=primary.system) for code, level in levels.items()]
    bulk_create_with_history(rows, PrimaryAssessment, default_user=primary.system, default_change_reason="test")


def enter_traits(primary, school_class, enrolment, point, level="T", overrides: dict | None = None,
                 username="th_homeroom"):
    levels = {trait: level for trait in PrimaryTrait.values} | (overrides or {})
    return services.traits_save(actor=primary.user(username), school_class=school_class, point=point,
                                entries=[TraitInput(enrolment.pk, trait, text) for trait, text in levels.items()])


ALL_T = {"tv": "T", "toan": "T", "nn1": "T", "dd": "T"}


def complete_point(primary, school_class, enrolment, point, *, levels=None, tests=(9, 9, 9), traits=None):
    """Everything a point needs for one student: the levels, the tests where the point has them, the traits."""
    tested = tt27.periodic_tests(3, point)
    scores = dict(zip(["tv", "toan", "nn1"], tests, strict=True))
    enter_subjects(primary, enrolment, point, levels or ALL_T,
                   {code: score for code, score in scores.items() if code in tested})
    enter_traits(primary, school_class, enrolment, point, overrides=traits)


def complete_class(primary, school_class, points=POINTS):
    for enrolment in primary.enrolments(school_class):
        for point in points:
            complete_point(primary, school_class, enrolment, point)


# --- the qualities and competencies sheet --------------------------------------------------------------------


def test_traits_are_saved_with_who_and_why_and_typed_letters_are_read(primary, klass):
    first = primary.enrolments(klass)[0]
    saved = services.traits_save(actor=primary.user("th_homeroom"), school_class=klass, point="gk1", entries=[
        TraitInput(first.pk, "yeu_nuoc", "t"), TraitInput(first.pk, "nhan_ai", "d"),
        TraitInput(first.pk, "cham_chi", "đ"), TraitInput(first.pk, "trung_thuc", "c"),
        TraitInput(first.pk, "trach_nhiem", " Đ "),
    ], reason="Giữa kì I")

    assert saved.changed == 5 and not saved.errors
    assert saved.values[selectors.cell_key(first.pk, "cham_chi")] == "Đ"
    stored = dict(PrimaryTraitAssessment.objects.filter(enrolment=first, point="gk1").values_list("trait", "level"))
    assert stored == {"yeu_nuoc": "T", "nhan_ai": "D", "cham_chi": "D", "trung_thuc": "C", "trach_nhiem": "D"}
    record = PrimaryTraitAssessment.history.get(trait="yeu_nuoc")
    assert (record.history_user, record.history_change_reason) == (primary.user("th_homeroom"), "Giữa kì I")


def test_a_bad_cell_is_refused_at_the_cell_and_the_others_are_saved(primary, klass):
    first, second = primary.enrolments(klass)[:2]
    services.traits_save(actor=primary.user("th_homeroom"), school_class=klass, point="ck1",
                         entries=[TraitInput(first.pk, "yeu_nuoc", "T")])
    with translation.override("en"):
        saved = services.traits_save(actor=primary.user("th_homeroom"), school_class=klass, point="ck1", entries=[
            TraitInput(first.pk, "yeu_nuoc", "x"), TraitInput(second.pk, "yeu_nuoc", "C"),
            TraitInput(second.pk, "nonsense", "T")])

    assert saved.errors == {
        selectors.cell_key(first.pk, "yeu_nuoc"): "A quality or competency level must be T (good), Đ (pass) or C "
                                                  "(needs more effort).",
        selectors.cell_key(second.pk, "nonsense"): "This cell is not on the sheet of class 3A1.",
    }
    assert PrimaryTraitAssessment.objects.get(enrolment=first, trait="yeu_nuoc").level == "T"  # kept
    assert PrimaryTraitAssessment.objects.get(enrolment=second, trait="yeu_nuoc").level == "C"
    assert PrimaryTraitAssessment.objects.count() == 2


def test_the_refusal_of_a_bad_cell_is_vietnamese(primary, klass):
    first = primary.enrolments(klass)[0]
    with translation.override("vi"):
        saved = services.traits_save(actor=primary.user("th_homeroom"), school_class=klass, point="cn",
                                     entries=[TraitInput(first.pk, "yeu_nuoc", "H")])
    message = saved.errors[selectors.cell_key(first.pk, "yeu_nuoc")]
    assert "Tốt" in message or "T (" in message
    assert message != "A quality or competency level must be T (good), Đ (pass) or C (needs more effort)."


def test_clearing_a_cell_deletes_it_with_history_and_saving_again_changes_nothing(primary, klass):
    first = primary.enrolments(klass)[0]
    enter_traits(primary, klass, first, "gk2")
    assert enter_traits(primary, klass, first, "gk2").changed == 0
    saved = services.traits_save(actor=primary.user("th_homeroom"), school_class=klass, point="gk2",
                                 entries=[TraitInput(first.pk, "the_chat", "")], reason="Nhập nhầm")
    assert saved.changed == 1 and saved.values[selectors.cell_key(first.pk, "the_chat")] == ""
    assert not PrimaryTraitAssessment.objects.filter(trait="the_chat").exists()
    deleted = PrimaryTraitAssessment.history.get(trait="the_chat", history_type="-")
    assert deleted.history_change_reason == "Nhập nhầm"


@pytest.mark.parametrize("username", ["th_principal", "th_vice", "th_board", "th_teacher", "th_homeroom2"])
def test_only_the_homeroom_teacher_enters_the_traits(primary, klass, username):
    first = primary.enrolments(klass)[0]
    with pytest.raises(PermissionDenied):
        services.traits_save(actor=primary.user(username), school_class=klass, point="gk1",
                             entries=[TraitInput(first.pk, "yeu_nuoc", "T")])
    assert not PrimaryTraitAssessment.objects.exists()


def test_a_student_who_left_cannot_be_assessed(primary, klass):
    first = primary.enrolments(klass)[0]
    first.status, first.end_date = sm.Enrolment.Status.TRANSFERRED_OUT, datetime.date(2026, 10, 1)
    setup.record(first, actor=primary.system, reason="Chuyển trường")
    with translation.override("en"):
        saved = enter_traits(primary, klass, first, "gk1")
    assert set(saved.errors.values()) == {"Nguyễn Văn An no longer studies in this class."}
    assert not PrimaryTraitAssessment.objects.exists()


# --- approval ----------------------------------------------------------------------------------------------


def test_approval_is_refused_while_anything_is_missing_and_says_what(primary, klass):
    first, second, third = primary.enrolments(klass)
    complete_point(primary, klass, first, "gk1")
    complete_point(primary, klass, first, "ck1")
    complete_point(primary, klass, second, "gk1")
    enter_subjects(primary, second, "ck1", {"tv": "T", "toan": "H", "nn1": "T"}, {"tv": 8})
    enter_traits(primary, klass, second, "ck1", overrides={"the_chat": "", "tham_mi": ""})
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=1)

    messages = refused.value.messages
    assert messages[0] == ("Trần Thị Bình (End of term I): the level of Đạo đức; the test score of Toán, Tiếng Anh; "
                           "2 qualities and competencies (Aesthetics, Physical).")
    # grade 3 has no mid-term test
    assert messages[1] == ("Lê Minh Châu (Mid-term I): the level of Tiếng Việt, Toán, Tiếng Anh, Đạo đức; the "
                           "qualities and competencies.")
    assert messages[2] == ("Lê Minh Châu (End of term I): the level of Tiếng Việt, Toán, Tiếng Anh, Đạo đức; the "
                           "test score of Tiếng Việt, Toán, Tiếng Anh; the qualities and competencies.")
    assert len(messages) == 3 and not ResultApproval.objects.filter(school_class=klass).exists()


def test_the_principal_approves_term_one_then_its_points_are_frozen(primary, klass, django_capture_on_commit_callbacks):
    complete_class(primary, klass, points=("gk1", "ck1"))
    received = []
    signals.results_approved.connect(lambda sender, **kw: received.append(kw), weak=False, dispatch_uid="t-primary")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            approval = services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=1,
                                                note="Đủ hồ sơ")
    finally:
        signals.results_approved.disconnect(dispatch_uid="t-primary")

    assert approval.term.number == 1 and approval.approved_by == primary.user("th_principal")
    assert received == [{"signal": signals.results_approved, "school_class_id": klass.pk,
                         "term_id": approval.term_id, "approval_id": approval.pk,
                         "actor_id": primary.user("th_principal").pk}]
    assert selectors.period_approved(klass, "gk1") == approval
    assert selectors.period_approved(klass, "ck1") == approval
    assert selectors.period_approved(klass, "gk2") is None
    first = primary.enrolments(klass)[0]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        enter_traits(primary, klass, first, "ck1", level="D")
    assert refused.value.messages == ["The principal has approved the results of class 3A1 for term I; they can no "
                                      "longer be changed."]
    assert enter_traits(primary, klass, first, "gk2").changed == 15  # term II is still open
    with pytest.raises(ValidationError, match="đã được phê duyệt rồi"):
        services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=1)


def test_the_year_approval_freezes_every_point(primary, klass):
    complete_class(primary, klass, points=("gk2", "cn"))
    approval = services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=YEAR)
    assert approval.term is None
    assert all(selectors.period_approved(klass, point) == approval for point in POINTS)
    with pytest.raises(ValidationError):
        enter_traits(primary, klass, primary.enrolments(klass)[0], "gk1")
    with pytest.raises(ValidationError, match="đã được phê duyệt rồi"):
        services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=1)


@pytest.mark.parametrize("username", ["th_vice", "th_board", "th_homeroom", "th_clerk"])
def test_only_the_principal_approves(primary, klass, username):
    complete_class(primary, klass, points=("gk1", "ck1"))
    with pytest.raises(PermissionDenied):
        services.primary_approve(actor=primary.user(username), school_class=klass, number=1)
    assert not ResultApproval.objects.filter(school_class=klass).exists()


def test_term_two_alone_and_a_secondary_class_are_not_approved_here(primary, klass, demo):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=2)
    assert refused.value.messages == ["A primary class is approved for term I and for the whole year."]
    with pytest.raises(ValidationError, match="không phải là lớp tiểu học"):
        services.primary_approve(actor=demo.user("principal"), school_class=demo.school_class("6A1"), number=1)


# --- the year record and the principal's decision ------------------------------------------------------------


def year_of(primary, school_class, enrolment, *, levels=None, tests=(9, 9, 9), traits=None):
    complete_point(primary, school_class, enrolment, "cn", levels=levels, tests=tests, traits=traits)


def test_the_proposal_is_only_for_a_student_who_completed_well(primary, klass):
    htxs, htt, unfinished = primary.enrolments(klass)
    year_of(primary, klass, htxs, tests=(9, 10, 9))
    year_of(primary, klass, htt, tests=(9, 8, 10))
    homeroom = primary.user("th_homeroom")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.year_record_save(actor=homeroom, enrolment=htxs, proposed_outstanding=True)
    assert refused.value.message_dict == {"proposed_outstanding": [
        "Only a student who completed well (HTT) can be proposed as Học sinh Tiêu biểu: Nguyễn Văn An completed the "
        "year: Completed excellently."]}
    with pytest.raises(ValidationError, match="chưa có kết quả cuối năm"):
        services.year_record_save(actor=homeroom, enrolment=unfinished, proposed_outstanding=True)

    record = services.year_record_save(actor=homeroom, enrolment=htt, proposed_outstanding=True,
                                       achievements="Giải Nhì Trạng nguyên Tiếng Việt", homeroom_remark="Chăm ngoan")
    assert record.proposed_outstanding and record.history.get().history_user == homeroom
    row = next(r for r in selectors.class_results(actor=homeroom, school_class=klass).lines if r.enrolment == htt)
    assert row.row.title is tt27.Title.TIEU_BIEU
    assert not PrimaryYearRecord.objects.filter(enrolment__in=[htxs, unfinished]).exists()


def test_support_re_assessment_and_the_principals_decision_for_a_student_not_completed(primary, klass):
    done, unfinished, _third = primary.enrolments(klass)
    year_of(primary, klass, done)
    year_of(primary, klass, unfinished, tests=(9, 4, 9))  # P5
    homeroom, principal = primary.user("th_homeroom"), primary.user("th_principal")
    with pytest.raises(ValidationError, match="CHT"):
        services.year_record_save(actor=homeroom, enrolment=done, support_plan="Kèm Toán")
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.year_decision_save(actor=principal, enrolment=unfinished, decision="repeats")
    assert refused.value.message_dict == {"decision": [
        "The homeroom teacher enters the re-assessment after the support first."]}

    services.year_record_save(actor=homeroom, enrolment=unfinished, support_plan="Kèm Toán mỗi chiều thứ Tư",
                              reassessed_result="cht")
    with pytest.raises(PermissionDenied):
        services.year_decision_save(actor=homeroom, enrolment=unfinished, decision="repeats")
    record = services.year_decision_save(actor=principal, enrolment=unfinished, decision="repeats",
                                         reason="Họp xét cuối hè")
    assert (record.decision, record.decided_by) == ("repeats", principal) and record.decided_at is not None
    with pytest.raises(ValidationError, match="Hiệu trưởng đã quyết định"):
        services.year_record_save(actor=homeroom, enrolment=unfinished, support_plan="Kèm Toán mỗi chiều thứ Tư",
                                  reassessed_result="ht")
    with pytest.raises(ValidationError, match="CHT"):
        services.year_decision_save(actor=principal, enrolment=done, decision="promoted")


def test_a_student_who_completed_at_the_re_assessment_is_promoted(primary, klass):
    unfinished = primary.enrolments(klass)[0]
    year_of(primary, klass, unfinished, levels={**ALL_T, "toan": "C"})
    services.year_record_save(actor=primary.user("th_homeroom"), enrolment=unfinished, reassessed_result="ht")
    with pytest.raises(ValidationError, match="được lên lớp"):
        services.year_decision_save(actor=primary.user("th_principal"), enrolment=unfinished, decision="repeats")
    record = services.year_decision_save(actor=primary.user("th_principal"), enrolment=unfinished, decision="promoted")
    assert record.decision == "promoted"
    line = selectors.class_results(actor=primary.user("th_board"), school_class=klass).lines[0]
    assert line.row.result is tt27.YearResult.HT and line.row.needs_support and line.completion


def test_after_the_year_approval_the_remark_is_frozen_but_the_support_goes_on(primary, klass):
    complete_class(primary, klass, points=("gk2",))
    enrolments = primary.enrolments(klass)
    for enrolment, tests in zip(enrolments, [(9, 9, 9), (9, 4, 9), (7, 7, 7)], strict=True):
        year_of(primary, klass, enrolment, tests=tests)
    services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=YEAR)
    homeroom = primary.user("th_homeroom")
    with pytest.raises(ValidationError) as refused:
        services.year_record_save(actor=homeroom, enrolment=enrolments[0], homeroom_remark="Ngoan")
    assert list(refused.value.message_dict) == ["homeroom_remark"]
    record = services.year_record_save(actor=homeroom, enrolment=enrolments[1], support_plan="Ôn Toán trong hè",
                                       reassessed_result="ht")
    assert record.reassessed_result == "ht"


# --- the worked examples of DOMAIN.md, entered and read through the class results ---------------------------


@pytest.mark.parametrize(("example", "levels", "traits", "tests", "expected", "label"), [
    ("P1", ALL_T, None, (9, 10, 9), tt27.YearResult.HTXS, "Hoàn thành xuất sắc"),
    ("P2", ALL_T, None, (9, 8, 10), tt27.YearResult.HTT, "Hoàn thành tốt"),
    ("P3", {**ALL_T, "dd": "H"}, None, (9, 9, 9), tt27.YearResult.HT, "Hoàn thành"),
    ("P4", ALL_T, {"tinh_toan": "D"}, (10, 10, 10), tt27.YearResult.HT, "Hoàn thành"),
    ("P5", ALL_T, None, (9, 4, 9), tt27.YearResult.CHT, "Chưa hoàn thành"),
])
def test_worked_examples_through_the_results_page(primary, klass, login_primary, example, levels, traits, tests,
                                                  expected, label):
    enrolment = primary.enrolments(klass)[0]
    year_of(primary, klass, enrolment, levels=levels, tests=tests, traits=traits)
    results = selectors.class_results(actor=primary.user("th_principal"), school_class=klass)
    assert results.lines[0].row.result is expected, example
    assert dict((value, count) for value, _label, count in results.counts)[expected.value] == 1

    response = login_primary("th_principal").get(reverse("gradebook:primary_results", args=[klass.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    row = html.split(f'id="student-{enrolment.pk}"')[1].split("</tr>")[0]
    assert f'<td class="lvl result">{label}</td>' in row
    if expected is tt27.YearResult.CHT:
        assert "Cần hỗ trợ và đánh giá bổ sung" in row and "Hoàn thành chương trình" not in row
    else:
        assert "Hoàn thành chương trình lớp 3" in row
    assert f'id="count-{expected.value}">{label}: <strong>1</strong>' in html


def test_missing_entries_say_why_there_is_no_result(primary, klass):
    enrolment = primary.enrolments(klass)[0]
    enter_subjects(primary, enrolment, "cn", ALL_T, {"tv": 9})
    with translation.override("en"):
        line = selectors.class_results(actor=primary.user("th_vice"), school_class=klass).lines[0]
    assert line.result == "" and line.missing == "The year result needs the end-of-year test score of every tested " \
                                                 "subject."


# --- pages ----------------------------------------------------------------------------------------------------


@pytest.fixture
def login_primary(client, primary):
    def _login(username):
        client.force_login(primary.user(username))
        return client
    return _login


def test_the_traits_page_shows_inputs_to_the_homeroom_teacher_and_reads_for_the_principal(primary, klass,
                                                                                          login_primary):
    first = primary.enrolments(klass)[0]
    enter_traits(primary, klass, first, "gk1", overrides={"nhan_ai": "D"})
    url = reverse("gradebook:primary_traits", args=[klass.pk, "gk1"])
    html = login_primary("th_homeroom").get(url).content.decode()
    assert f'name="t-{first.pk}-nhan_ai"' in html and 'value="Đ"' in html and "traits.js" in html
    html = login_primary("th_principal").get(url).content.decode()
    assert 'name="t-' not in html and 'id="read-only"' in html
    assert login_primary("th_teacher").get(url).status_code == 403
    assert login_primary("th_principal").get(reverse("gradebook:primary_traits", args=[klass.pk, "hk1"])
                                             ).status_code == 404


def test_the_traits_sheet_posted_without_script_keeps_the_good_cells(primary, klass, login_primary):
    first, second, _third = primary.enrolments(klass)
    url = reverse("gradebook:primary_traits", args=[klass.pk, "ck1"])
    response = login_primary("th_homeroom").post(url, {f"t-{first.pk}-yeu_nuoc": "t", f"t-{second.pk}-yeu_nuoc": "9"})
    assert response.status_code == 400
    assert 'class="c lvcell invalid"' in response.content.decode()
    assert PrimaryTraitAssessment.objects.get().enrolment == first


def test_the_json_save_answers_per_cell(primary, klass, login_primary):
    first = primary.enrolments(klass)[0]
    url = reverse("gradebook:primary_traits_save", args=[klass.pk, "cn"])
    client = login_primary("th_homeroom")
    response = client.post(url, json.dumps({"cells": {f"t-{first.pk}-yeu_nuoc": "đ", f"t-{first.pk}-nhan_ai": "Q"}}),
                           content_type="application/json")
    body = response.json()
    assert response.status_code == 200 and body["values"] == {f"t-{first.pk}-yeu_nuoc": "Đ"}
    assert list(body["errors"]) == [f"t-{first.pk}-nhan_ai"]
    response = login_primary("th_principal").post(url, json.dumps({"cells": {f"t-{first.pk}-yeu_nuoc": "T"}}),
                                                  content_type="application/json")
    assert response.status_code == 403 and response.json()["error"]
    assert PrimaryTraitAssessment.objects.get().level == "D"
    client = login_primary("th_homeroom")
    assert client.post(url, "not json", content_type="application/json").status_code == 400


def test_the_principal_approves_from_the_results_page(primary, klass, login_primary):
    url = reverse("gradebook:primary_approve", args=[klass.pk, 1])
    client = login_primary("th_principal")
    response = client.post(url, {"note": ""}, follow=True)
    assert not ResultApproval.objects.filter(school_class=klass).exists() and "Nguyễn Văn An" in response.content.decode()
    complete_class(primary, klass, points=("gk1", "ck1"))
    client.post(url, {"note": "Duyệt"})
    assert ResultApproval.objects.get(school_class=klass).note == "Duyệt"
    assert login_primary("th_board").post(reverse("gradebook:primary_approve", args=[klass.pk, "year"])
                                          ).status_code == 403


def test_the_year_record_page(primary, klass, login_primary):
    htt, unfinished, _third = primary.enrolments(klass)
    year_of(primary, klass, htt, tests=(8, 8, 8))
    year_of(primary, klass, unfinished, tests=(9, 4, 9))
    client = login_primary("th_homeroom")
    html = client.get(reverse("gradebook:primary_record", args=[htt.pk])).content.decode()
    assert 'name="proposed_outstanding"' in html and 'name="support_plan"' not in html
    html = client.get(reverse("gradebook:primary_record", args=[unfinished.pk])).content.decode()
    assert 'name="proposed_outstanding"' not in html and 'name="support_plan"' in html
    response = client.post(reverse("gradebook:primary_record", args=[htt.pk]),
                           {"proposed_outstanding": "on", "homeroom_remark": "Tiến bộ rõ", "achievements": ""})
    assert response.status_code == 302
    assert PrimaryYearRecord.objects.get(enrolment=htt).proposed_outstanding
    response = client.post(reverse("gradebook:primary_record", args=[unfinished.pk]), {"reassessed_result": "xx"})
    assert response.status_code == 400 and not PrimaryYearRecord.objects.filter(enrolment=unfinished).exists()
    principal = login_primary("th_principal")
    html = principal.get(reverse("gradebook:primary_record", args=[unfinished.pk])).content.decode()
    assert 'id="decision-form"' in html and 'id="record-form"' not in html
    assert principal.post(reverse("gradebook:primary_decision", args=[unfinished.pk]),
                          {"decision": "repeats"}).status_code == 400  # no re-assessment yet
    assert login_primary("th_teacher").get(reverse("gradebook:primary_record", args=[htt.pk])).status_code == 403


@pytest.mark.parametrize("username", ["th_principal", "th_vice", "th_board", "th_homeroom"])
def test_who_reads_the_class_results(primary, klass, login_primary, username):
    assert login_primary(username).get(reverse("gradebook:primary_results", args=[klass.pk])).status_code == 200


@pytest.mark.parametrize("username", ["th_teacher", "th_clerk", "th_homeroom2"])
def test_who_does_not_read_the_class_results(primary, klass, login_primary, username):
    assert login_primary(username).get(reverse("gradebook:primary_results", args=[klass.pk])).status_code == 403


def test_another_schools_principal_and_a_secondary_class_get_a_404(primary, klass, demo, login):
    assert login("principal").get(reverse("gradebook:primary_results", args=[klass.pk])).status_code == 404
    secondary = demo.school_class("6A1")
    assert login("principal").get(reverse("gradebook:primary_results", args=[secondary.pk])).status_code == 404
    assert login("homeroom_6a1").get(reverse("gradebook:primary_traits", args=[secondary.pk, "gk1"])
                                     ).status_code == 404


# --- pinned query counts at two class sizes -------------------------------------------------------------------


@pytest.mark.parametrize("size", [3, 12])
def test_results_page_queries_do_not_grow_with_the_class(primary, login_primary, django_assert_num_queries, size):
    school_class = primary.school_class(f"3A{size}", size)
    complete_class(primary, school_class, points=("cn",))
    client = login_primary("th_principal")
    url = reverse("gradebook:primary_results", args=[school_class.pk])
    client.get(url)
    with django_assert_num_queries(RESULTS_QUERIES):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [3, 12])
def test_traits_page_queries_do_not_grow_with_the_class(primary, login_primary, django_assert_num_queries, size):
    school_class = primary.school_class(f"3A{size}", size)
    complete_class(primary, school_class, points=("gk1",))
    client = login_primary("th_homeroom")
    url = reverse("gradebook:primary_traits", args=[school_class.pk, "gk1"])
    client.get(url)
    with django_assert_num_queries(TRAITS_QUERIES):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("size", [3, 12])
def test_traits_save_queries_do_not_grow_with_the_class(primary, django_assert_num_queries, size):
    school_class = primary.school_class(f"3A{size}", size)
    entries = [TraitInput(e.pk, trait, "T") for e in primary.enrolments(school_class) for trait in PrimaryTrait.values]
    homeroom = primary.user("th_homeroom")
    services.traits_save(actor=homeroom, school_class=school_class, point="gk1", entries=entries[:1])
    with django_assert_num_queries(SAVE_QUERIES):
        services.traits_save(actor=homeroom, school_class=school_class, point="gk1", entries=entries)


RESULTS_QUERIES = 14
TRAITS_QUERIES = 13
SAVE_QUERIES = 8


# --- the printed forms' sheet (gradebook.api) -------------------------------------------------------------------


def test_the_primary_year_sheet_for_the_printed_forms(primary, klass, django_assert_max_num_queries):
    htt, unfinished, _third = primary.enrolments(klass)
    complete_class(primary, klass, points=("gk1", "ck1", "gk2"))
    year_of(primary, klass, htt, tests=(9, 8, 10))
    year_of(primary, klass, unfinished, tests=(9, 4, 9))
    services.year_record_save(actor=primary.user("th_homeroom"), enrolment=htt, proposed_outstanding=True,
                              homeroom_remark="Chăm ngoan, tiến bộ")
    services.year_record_save(actor=primary.user("th_homeroom"), enrolment=unfinished, support_plan="Kèm Toán",
                              reassessed_result="cht")
    services.year_decision_save(actor=primary.user("th_principal"), enrolment=unfinished, decision="repeats")
    year_of(primary, klass, _third)
    services.primary_approve(actor=primary.user("th_principal"), school_class=klass, number=YEAR)

    with translation.override("vi"), django_assert_max_num_queries(12):
        sheet = api.primary_year_sheet(school_class_id=klass.pk)
    assert isinstance(sheet, api.PrimaryYearSheet) and sheet.points == ("gk1", "ck1", "gk2", "cn")
    by_name = {s.student.full_name: s for s in sheet.students}
    first = by_name["Nguyễn Văn An"]
    toan = next(line for line in first.subjects if line.code == "toan")
    assert toan.levels == ("T", "T", "T", "T") and toan.tests == (None, 9, None, 8)
    assert toan.tested == (False, True, False, True)
    assert first.result == "htt" and first.title == "tieu_bieu" and first.homeroom_remark == "Chăm ngoan, tiến bộ"
    assert first.completion and first.completes_grade is True
    assert [q.levels for q in first.qualities][0] == ("T", "T", "T", "T") and len(first.competencies) == 10
    second = by_name["Trần Thị Bình"]
    assert second.result == "cht" and second.needs_support and second.decision == "repeats"
    assert second.decided_by == "Cô th_principal" and second.completion == ""
    assert sheet.year_approval is not None and sheet.year_approval.approved_by == "Cô th_principal"
    assert sheet.term1_approval is None
    assert {value: count for value, _label, count in sheet.counts} == {"htxs": 1, "htt": 1, "ht": 0, "cht": 1}


# --- links -------------------------------------------------------------------------------------------------------


def test_the_class_page_and_the_homeroom_card_link_to_the_primary_year(primary, klass, login_primary):
    results_url = reverse("gradebook:primary_results", args=[klass.pk])
    traits_url = reverse("gradebook:primary_traits", args=[klass.pk, "gk1"])
    for username in ("th_principal", "th_homeroom"):
        html = login_primary(username).get(reverse("class_detail", args=[klass.pk])).content.decode()
        assert results_url in html and traits_url in html
        assert reverse("gradebook:results", args=[klass.pk, 1]) not in html  # the secondary results are not TT27's
    html = login_primary("th_homeroom").get(reverse("home")).content.decode()
    assert results_url in html and traits_url in html
    html = login_primary("th_principal").get(results_url).content.decode()
    assert reverse("gradebook:primary_record", args=[primary.enrolments(klass)[0].pk]) in html
    assert reverse("gradebook:primary_traits", args=[klass.pk, "cn"]) in html


def test_a_cell_typed_twice_in_one_batch_keeps_the_last_value(primary, klass):
    first = primary.enrolments(klass)[0]
    enter_traits(primary, klass, first, "gk1")
    saved = services.traits_save(actor=primary.user("th_homeroom"), school_class=klass, point="gk1", entries=[
        TraitInput(first.pk, "yeu_nuoc", "C"), TraitInput(first.pk, "yeu_nuoc", ""),  # changed, then cleared
        TraitInput(first.pk, "the_chat", ""), TraitInput(first.pk, "the_chat", "D"),  # cleared, then typed
    ])
    second = primary.enrolments(klass)[1]
    again = services.traits_save(actor=primary.user("th_homeroom"), school_class=klass, point="gk1", entries=[
        TraitInput(second.pk, "yeu_nuoc", "T"), TraitInput(second.pk, "yeu_nuoc", "")])  # typed, then cleared

    assert saved.values[selectors.cell_key(first.pk, "yeu_nuoc")] == ""
    assert not PrimaryTraitAssessment.objects.filter(enrolment=first, trait="yeu_nuoc").exists()
    assert PrimaryTraitAssessment.objects.get(enrolment=first, trait="the_chat").level == "D"
    assert again.changed == 0 and not PrimaryTraitAssessment.objects.filter(enrolment=second).exists()
