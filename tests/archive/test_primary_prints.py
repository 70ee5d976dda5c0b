"""The primary (TT27) prints: the primary học bạ and the class summary table, read back from the PDF text,
sealed in the archive like the secondary forms, and refused for a year of the other rule set."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from archive import forms, jobs, primary, rendering, services, storage, tasks
from archive.models import ArchivedDocument, Kind, Mode, RenderBatch, Variant
from gradebook import models as gm
from schoolrecords import models as sm
from schoolrecords import roles
from schoolrecords import services as records

from .conftest import pdf_text

pytestmark = pytest.mark.django_db

PASSWORD = "demo-2026-Prim!"
# Grade 4 studies these (periodic tests at the end of each term in the first six; mid-term tests in tv and toan).
SUBJECTS = [("tv", "Tiếng Việt"), ("toan", "Toán"), ("nn1", "Tiếng Anh"), ("tinhoc_cn", "Tin học và Công nghệ"),
            ("lsdl", "Lịch sử và Địa lí"), ("khoahoc", "Khoa học"), ("dd", "Đạo đức"), ("gdtc", "Giáo dục thể chất")]
TESTED = ("tv", "toan", "nn1", "tinhoc_cn", "lsdl", "khoahoc")
POINTS = ("gk1", "ck1", "gk2", "cn")


class PrimaryYear:
    """A primary school's year 2026-2027 (TT27) with class 4A1, entered through the models with their history.

    HS01 Nguyễn Minh Anh: every subject T, every quality and competency Tốt, end-of-year tests 9-10: HTXS,
    Học sinh Xuất sắc. HS02 Trần Bảo Châu: the same with tests 7-9, proposed by the class: HTT, Học sinh
    Tiêu biểu. HS03 Lê Gia Huy: Toán C with 4 at the end of the year: CHT, re-assessed HT, promoted.
    HS04 Phạm Thu Hà transferred out on 16/02/2027, after term I.
    """

    def __init__(self, *, code="THLQD", extra_students=0):
        system = records.system_user()
        self.school = sm.School.objects.create(code=code, name="Trường Tiểu học Lê Quang Định",
                                               level=sm.School.Level.PRIMARY, province="TP. Hồ Chí Minh",
                                               district="Quận Bình Thạnh")
        self.year = records.school_year_create(
            actor=system, school=self.school, name="2026-2027", start_date=datetime.date(2026, 9, 5),
            end_date=datetime.date(2027, 5, 31), make_current=True,
            term_dates=((datetime.date(2026, 9, 5), datetime.date(2027, 1, 10)),
                        (datetime.date(2027, 1, 12), datetime.date(2027, 5, 25))))
        self.year = records.school_year_update(actor=system, year=self.year, rule_set=sm.RuleSet.TT27)
        self.term1, self.term2 = sm.Term.objects.filter(year=self.year).order_by("number")
        self.subjects = {
            code: records.subject_save(actor=system, school=self.school, code=code, name=name, order=order,
                                       assessment_mode=sm.Subject.Mode.LEVELS)
            for order, (code, name) in enumerate(SUBJECTS)}
        records.grade_subjects_set(actor=system, year=self.year, grade=4,
                                   periods={subject.pk: 70 for subject in self.subjects.values()})
        self.clerk = self._staff(system, f"{code.lower()}_clerk", "Đỗ Thị Văn", roles.CLERK)
        self.principal = self._staff(system, f"{code.lower()}_principal", "Nguyễn Văn Hiệu", roles.PRINCIPAL)
        self.homeroom = self._staff(system, f"{code.lower()}_gvcn", "Võ Thị Lan", roles.SUBJECT_TEACHER)
        self.school_class = records.school_class_save(actor=system, year=self.year, name="4A1", grade=4,
                                                      homeroom_teacher=self.homeroom)
        self.enrolments = {}
        students = [("HS01", "Nguyễn Minh Anh", "female"), ("HS02", "Trần Bảo Châu", "female"),
                    ("HS03", "Lê Gia Huy", "male"), ("HS04", "Phạm Thu Hà", "female")]
        students += [(f"HX{n:02d}", f"Đặng Văn Khoa {n}", "male") for n in range(1, extra_students + 1)]
        for number, (student_code, name, gender) in enumerate(students, start=1):
            student = records.student_save(actor=system, school=self.school, code=f"{code}-{student_code}",
                                           full_name=name, registration_number=f"{number}/TH", gender=gender,
                                           date_of_birth=datetime.date(2017, 3, number), place_of_birth="TP. Hồ Chí Minh",
                                           address="Phường 14, Quận Bình Thạnh")
            self.enrolments[student_code] = records.enrolment_create(actor=system, student=student,
                                                                     school_class=self.school_class,
                                                                     start_date=self.year.start_date)
        everything_t = {code: "T" for code, _name in SUBJECTS}
        self.enter("HS01", everything_t, tests={"gk1": [8, 9], "ck1": [9, 9, 8, 9, 10, 9], "gk2": [9, 10],
                                                  "cn": [9, 10, 9, 10, 9, 9]},
                   comment="Đọc to, rõ ràng; viết đúng chính tả.")
        self.enter("HS02", everything_t, tests={"gk1": [7, 8], "ck1": [8, 7, 8, 8, 9, 8], "gk2": [8, 8],
                                                  "cn": [8, 7, 9, 8, 8, 8]})
        self.enter("HS03", {**everything_t, "toan": "C", "dd": "H"}, traits="D",
                   tests={"gk1": [6, 5], "ck1": [6, 5, 6, 7, 6, 6], "gk2": [6, 4], "cn": [6, 4, 6, 7, 6, 6]})
        self.enter("HS04", everything_t, tests={"gk1": [7, 7], "ck1": [7, 7, 7, 7, 7, 7]}, points=("gk1", "ck1"))
        for n in range(1, extra_students + 1):
            self.enter(f"HX{n:02d}", everything_t, tests={"gk1": [7, 7], "ck1": [7] * 6, "gk2": [7, 7], "cn": [7] * 6})
        self.year_record("HS01", homeroom_remark="Chăm ngoan, tích cực phát biểu xây dựng bài.")
        self.year_record("HS02", proposed_outstanding=True, achievements="Tiến bộ rõ rệt môn Tiếng Anh")
        self.year_record("HS03", support_plan="Kèm thêm Toán trong hè", reassessed_result="ht",
                         decision=gm.PrimaryYearRecord.Decision.PROMOTED, decided_by=self.principal,
                         decided_at=datetime.datetime(2027, 6, 20, 9, 0, tzinfo=datetime.UTC))
        leaving = self.enrolments["HS04"]
        self.enrolments["HS04"] = records.enrolment_end(
            actor=system, enrolment=leaving, status=sm.Enrolment.Status.TRANSFERRED_OUT,
            end_date=datetime.date(2027, 2, 16), reason="Chuyển trường theo gia đình")

    def _staff(self, system, username, full_name, role):
        return records.staff_create(actor=system, school=self.school, username=username, full_name=full_name,
                                    password=PASSWORD, role_names=[role], must_change_password=False).user

    def _save(self, row):
        row.full_clean()
        row._history_user = self.homeroom
        row._change_reason = "entered for the primary prints test"
        row.save()
        return row

    def enter(self, code, levels, *, tests, traits="T", comment="", points=POINTS):
        """Levels at every point (a Toán C only at the end of the year), the tests of each point, the traits."""
        enrolment = self.enrolments[code]
        for point in points:
            scores = dict(zip(TESTED if point in ("ck1", "cn") else TESTED[:2], tests.get(point, []), strict=False))
            for subject_code, level in levels.items():
                at_point = level if point == "cn" else "T" if level == "C" else level
                self._save(gm.PrimaryAssessment(
                    enrolment=enrolment, subject=self.subjects[subject_code], point=point, level=at_point,
                    test_score=scores.get(subject_code), updated_by=self.homeroom,
                    comment=comment if point == "cn" and subject_code == "tv" else ""))
            for trait in gm.PrimaryTrait.values:
                self._save(gm.PrimaryTraitAssessment(enrolment=enrolment, point=point, trait=trait,
                                                     level=traits if point == "cn" else "T", updated_by=self.homeroom))

    def year_record(self, code, **fields):
        self._save(gm.PrimaryYearRecord(enrolment=self.enrolments[code], updated_by=self.homeroom, **fields))

    def approve_year(self):
        approval = gm.ResultApproval(school_class=self.school_class, term=None, approved_by=self.principal,
                                     approved_at=datetime.datetime(2027, 5, 28, 8, 0, tzinfo=datetime.UTC))
        approval._history_user = self.principal
        approval.save()
        return approval


@pytest.fixture
def prim(db):
    return PrimaryYear()


def _lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines()]


def _line(text: str, start: str) -> str:
    found = [line for line in _lines(text) if line.startswith(start)]
    assert found, f"no line starts with {start!r}"
    return found[0]


# --- what the forms say ------------------------------------------------------------------------------


def test_the_primary_report_card_shows_the_levels_test_scores_year_result_title_and_remark(prim):
    cards = rendering.student_documents(Kind.PRIMARY_REPORT_CARD, prim.school_class, 2)
    # in the class list's order (given names: Anh, Châu, Huy); Hà left in term II and got her transfer print
    assert [card.student.full_name for card in cards] == ["Nguyễn Minh Anh", "Trần Bảo Châu", "Lê Gia Huy"]
    first = pdf_text(cards[0].pdf.content)
    assert "HỌC BẠ" in first and "TIỂU HỌC" in first and "Nguyễn Minh Anh" in first
    # Tiếng Việt: T at the four points, tests 8 (mid-term I), 9 (end of term I), 9 (mid-term II), 9 (end of year)
    assert _line(first, "Tiếng Việt").startswith("Tiếng Việt T T T T 8 9 9 9 Đọc to, rõ ràng")
    assert _line(first, "Toán").startswith("Toán T T T T 9 9 10 10")
    assert _line(first, "Tiếng Anh") == "Tiếng Anh T T T T — 8 — 9"
    assert _line(first, "Đạo đức") == "Đạo đức T T T T — — — —"
    assert _line(first, "Trung thực") == "Trung thực T T T T"
    assert "Hoàn thành xuất sắc" in first and "Học sinh Xuất sắc" in first
    assert "Hoàn thành chương trình lớp 4" in first
    assert "Chăm ngoan, tích cực phát biểu xây dựng bài." in first
    second = " ".join(pdf_text(cards[1].pdf.content).split())  # long cells wrap
    assert "Hoàn thành tốt" in second and "Tiến bộ rõ rệt môn Tiếng Anh" in second
    assert "Học sinh Tiêu biểu hoàn thành tốt trong học tập và rèn luyện" in second
    third = pdf_text(cards[2].pdf.content)
    assert _line(third, "Toán").startswith("Toán T T T C 5 5 4 4")
    assert _line(third, "Đạo đức") == "Đạo đức H H H H — — — —"
    assert _line(third, "Trung thực") == "Trung thực T T T Đ"
    assert "Chưa hoàn thành" in third
    assert "Được lên lớp" in third  # the principal's decision
    assert "Nguyễn Minh Anh" not in second + third  # each file is its own student's


def test_at_the_end_of_term_one_the_card_shows_the_two_points_of_term_one_and_no_year_result(prim):
    data = primary.report_cards_of_class(prim.school_class, 1)
    assert [card.student.full_name for _enrolment, card in data] == [
        "Nguyễn Minh Anh", "Trần Bảo Châu", "Phạm Thu Hà", "Lê Gia Huy"]  # Hà was still in the class
    year = data[0][1].years[0]
    assert len(year.point_headings) == 2 and year.result == "" and year.title == ""
    text = pdf_text(rendering.student_documents(Kind.PRIMARY_REPORT_CARD, prim.school_class, 1)[0].pdf.content)
    assert _line(text, "Tiếng Việt") == "Tiếng Việt T T 8 9"
    assert "Hoàn thành xuất sắc" not in text


def test_the_class_summary_table_has_a_row_per_student_with_levels_tests_traits_result_title_and_completion(prim):
    rendered = rendering.class_document(Kind.PRIMARY_SUMMARY, prim.school_class, 2)
    text = pdf_text(rendered.pdf.content)
    assert "BẢNG TỔNG HỢP KẾT QUẢ ĐÁNH GIÁ GIÁO DỤC CỦA LỚP" in text
    assert "Giữa học kì II" in text and "Cuối năm học" in text
    # the end of year: a level per subject, and the test score of the six tested subjects
    assert "1 Nguyễn Minh Anh T 9 T 10 T 9 T 10 T 9 T 9 T T" in _lines(text)
    assert "4 Lê Gia Huy T 6 C 4 T 6 T 7 T 6 T 6 H T" in _lines(text)
    assert "Hoàn thành xuất sắc" in text and "Học sinh Xuất sắc" in text
    assert "Hoàn thành chương trình lớp 4" in text
    assert "16/02/2027" in text  # Hà's transfer, beside her row
    data = primary.summary(prim.school_class, 2)
    year_end = data.parts[-1]
    counts = dict(year_end.counts)
    assert counts["Hoàn thành xuất sắc"] == 1 and counts["Hoàn thành tốt"] == 1 and counts["Hoàn thành"] == 1
    assert counts["Học sinh Xuất sắc"] == 1 and counts["Chưa hoàn thành"] == 0  # Huy was re-assessed HT
    assert [row.due for row in year_end.rows] == [True, True, False, True]
    first = year_end.rows[0]
    assert first.competencies == ("T",) * 10 and first.qualities == ("T",) * 5


def test_the_summary_table_at_the_end_of_term_one_shows_mid_term_one_and_the_end_of_term_one(prim):
    data = primary.summary(prim.school_class, 1)
    assert [part.point for part in data.parts] == ["gk1", "ck1"]
    assert [subject.tested for subject in data.parts[0].subjects] == [True, True] + [False] * 6
    assert [subject.tested for subject in data.parts[1].subjects] == [True] * 6 + [False] * 2
    assert not any(part.is_year_end or part.counts for part in data.parts)
    assert data.parts[1].rows[2].cells[:4] == ("T", "7", "T", "7")  # Hà, at the end of term I


# --- the archive: sealed, verified, versions; the kinds of each rule set -----------------------------


def _start(prim, kind, *, term=2, mode=Mode.AD_HOC, year=None, classes=None, actor=None):
    return jobs.batch_start(actor=actor or prim.clerk, year=year or prim.year, term_number=term, kind=kind, mode=mode,
                            classes=classes or [prim.school_class], dispatch=False)


def _run(batch):
    for job in batch.jobs.order_by("pk"):
        tasks.render_job.apply(args=[job.pk])
    batch.refresh_from_db()
    return batch


def test_both_primary_forms_are_sealed_in_the_archive_and_pass_archive_verify(prim):
    cards = _run(_start(prim, Kind.PRIMARY_REPORT_CARD))
    table = _run(_start(prim, Kind.PRIMARY_SUMMARY))
    assert (cards.total, cards.done, cards.failed) == (3, 3, 0) and (table.total, table.done) == (1, 1)
    documents = list(ArchivedDocument.objects.filter(job__batch__in=[cards, table]).order_by("kind", "student__code"))
    assert [document.file_name for document in documents] == [
        "Hoc-ba-tieu-hoc-4A1-THLQD-HS01-HK2-2026-2027-v1.pdf", "Hoc-ba-tieu-hoc-4A1-THLQD-HS02-HK2-2026-2027-v1.pdf",
        "Hoc-ba-tieu-hoc-4A1-THLQD-HS03-HK2-2026-2027-v1.pdf", "Bang-tong-hop-tieu-hoc-4A1-HK2-2026-2027-v1.pdf"]
    for document in documents:
        content = storage.read(document.path)
        assert document.sha256 == storage.sha256_bytes(content) and document.pages >= 2
        assert len(document.data_hash) == 64 and document.created_by == prim.clerk
    assert "Hoàn thành xuất sắc" in pdf_text(storage.read(documents[0].path))
    out = io.StringIO()
    call_command("archive_verify", stdout=out)
    assert "4 archived file(s): 4 ok, 0 missing, 0 changed" in out.getvalue()


def test_printing_again_is_a_new_version_and_the_same_data_has_the_same_hash(prim):
    first = ArchivedDocument.objects.get(job__batch=_run(_start(prim, Kind.PRIMARY_SUMMARY)))
    second = ArchivedDocument.objects.get(job__batch=_run(_start(prim, Kind.PRIMARY_SUMMARY)))
    assert (second.version, second.supersedes) == (2, first)
    assert second.data_hash == first.data_hash
    assessment = gm.PrimaryAssessment.objects.get(enrolment=prim.enrolments["HS02"], subject=prim.subjects["toan"],
                                                  point="cn")
    assessment.test_score = 9
    prim._save(assessment)
    third = ArchivedDocument.objects.get(job__batch=_run(_start(prim, Kind.PRIMARY_SUMMARY)))
    assert third.version == 3 and third.data_hash != second.data_hash


def test_a_correction_after_the_approval_re_issues_the_primary_forms_as_new_versions(prim):
    printed = ArchivedDocument.objects.get(job__batch=_run(_start(prim, Kind.PRIMARY_SUMMARY)))
    pending = services.reissue_request(school_class_id=prim.school_class.pk, term_id=prim.term2.pk,
                                       reason="Sửa điểm KTĐK Toán", actor_id=prim.principal.pk)
    assert [reissue.term for reissue in pending] == [prim.term2]
    batches = services.reissue_start(school_class_id=prim.school_class.pk, term_id=None, actor=prim.principal)
    assert [(batch.kind, batch.total) for batch in batches] == [(Kind.PRIMARY_SUMMARY, 1)]
    again = ArchivedDocument.objects.get(job__batch=_run(batches[0]))
    assert (again.version, again.supersedes, again.created_by) == (2, printed, prim.principal)


def test_a_periodic_primary_print_waits_for_the_principals_approval_of_the_year(prim):
    with pytest.raises(ValidationError) as refused:
        _start(prim, Kind.PRIMARY_SUMMARY, mode=Mode.PERIODIC)
    assert "4A1" in str(refused.value.message_dict["mode"])
    prim.approve_year()
    document = ArchivedDocument.objects.get(job__batch=_run(_start(prim, Kind.PRIMARY_SUMMARY, mode=Mode.PERIODIC)))
    assert document.mode == Mode.PERIODIC
    assert "Nguyễn Văn Hiệu đã duyệt ngày 28/05/2027" in pdf_text(storage.read(document.path))


@pytest.mark.parametrize("kind", [Kind.LEDGER, Kind.REPORT_CARD, Kind.SUMMARY, Kind.PARENT_SLIP])
def test_a_secondary_form_for_a_primary_year_is_refused_with_a_clear_message(prim, kind):
    with pytest.raises(ValidationError) as refused:
        _start(prim, kind)
    message = " ".join(refused.value.message_dict["kind"])
    assert "TT22" in message and "2026-2027" in message and "tiểu học" in message
    assert not RenderBatch.objects.filter(year=prim.year).exists()


@pytest.mark.parametrize("kind", [Kind.PRIMARY_REPORT_CARD, Kind.PRIMARY_SUMMARY])
def test_a_primary_form_for_a_secondary_year_is_refused_with_a_clear_message(demo, kind):
    clerk = demo.user("clerk")
    with pytest.raises(ValidationError) as refused:
        jobs.batch_start(actor=clerk, year=demo.year, term_number=2, kind=kind, mode=Mode.AD_HOC,
                         classes=[demo.school_class("6A1")], dispatch=False)
    message = " ".join(refused.value.message_dict["kind"])
    assert "TT27" in message and demo.year.name in message


def test_the_primary_forms_are_not_printed_for_a_class_of_a_secondary_grade(prim):
    stray = sm.SchoolClass(year=prim.year, name="6A9", grade=6)
    with pytest.raises(ValidationError) as refused:
        services.check_kind_fits(prim.year, Kind.PRIMARY_SUMMARY, [prim.school_class, stray])
    assert "6A9" in " ".join(refused.value.message_dict["classes"])
    services.check_kind_fits(prim.year, Kind.PRIMARY_SUMMARY, [prim.school_class])  # 4A1 is a primary class


def test_the_clerks_form_offers_the_primary_forms_for_a_primary_year_and_the_secondary_ones_otherwise(prim, demo):
    offered = [value for value, _label in forms.BatchForm(year=prim.year).fields["kind"].widget.choices]
    assert offered == [Kind.PRIMARY_REPORT_CARD, Kind.PRIMARY_SUMMARY]
    offered = [value for value, _label in forms.BatchForm(year=demo.year).fields["kind"].widget.choices]
    assert offered == [Kind.LEDGER, Kind.REPORT_CARD, Kind.SUMMARY, Kind.PARENT_SLIP]


def test_the_clerk_prints_the_primary_forms_from_the_archive_page(client, prim, django_capture_on_commit_callbacks):
    client.force_login(prim.clerk)
    page = client.get(reverse("archive:index"), {"year": prim.year.pk})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="primary_card"' in html and 'value="primary_summary"' in html and 'value="ledger"' not in html
    form = {"kind": Kind.PRIMARY_REPORT_CARD, "term": 2, "mode": Mode.AD_HOC, "classes": [prim.school_class.pk],
            "reason": "In học bạ cuối năm"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{reverse('archive:batch_start')}?year={prim.year.pk}", form)
    batch = RenderBatch.objects.get(year=prim.year)
    assert response.status_code == 302 and response["Location"] == reverse("archive:batch", args=[batch.pk])
    batch.refresh_from_db()
    assert (batch.kind, batch.total, batch.done) == (Kind.PRIMARY_REPORT_CARD, 3, 3)  # Celery runs eagerly here
    listed = client.get(reverse("archive:documents"), {"year": prim.year.pk}).content.decode()
    assert "Hoc-ba-tieu-hoc-4A1-THLQD-HS01-HK2-2026-2027-v1.pdf" in listed
    assert 'value="primary_card"' in listed and 'value="ledger"' not in listed  # the filter offers the year's forms
    refused = client.post(f"{reverse('archive:batch_start')}?year={prim.year.pk}", {**form, "kind": Kind.LEDGER})
    assert refused.status_code == 400
    assert "TT22" in refused.content.decode() and RenderBatch.objects.filter(year=prim.year).count() == 1


def test_the_transfer_print_of_a_primary_student_is_the_primary_card_with_blank_and_spare_pages(prim):
    batch = services.transfer_print(actor=prim.clerk, enrolment=prim.enrolments["HS04"], reason="Chuyển trường")
    assert (batch.kind, batch.variant, batch.mode, batch.term.number) == (
        Kind.PRIMARY_REPORT_CARD, Variant.TRANSFER, Mode.AD_HOC, 2)
    document = _run(batch).jobs.get().documents.get()
    assert document.file_name == "Hoc-ba-tieu-hoc-4A1-THLQD-HS04-HK2-2026-2027-chuyen-truong-v1.pdf"
    text = pdf_text(storage.read(document.path))
    assert "Phạm Thu Hà" in text and "(In để chuyển trường)" in text
    assert "16/02/2027" in text  # her transfer, on the year's page
    assert _line(text, "Tiếng Việt").startswith("Tiếng Việt T T 7 7")
    # grade 5 still to come at a primary school, then two spare pages (seed 000 art. 12.3)
    assert "Lớp 5" in text and "Trang dự phòng 1" in text and "Trang dự phòng 2" in text
    assert text.count(document.print_date.strftime("%d/%m/%Y")) >= document.pages  # ad hoc: dated on every page


# --- the data of the forms: a fixed number of queries whatever the size of the class --------------------


@pytest.mark.parametrize("extra", [0, 6])
def test_the_forms_data_reads_the_class_in_a_fixed_number_of_queries(db, extra, django_assert_num_queries):
    year = PrimaryYear(code=f"TH{extra}", extra_students=extra)
    with django_assert_num_queries(11):
        cards = primary.report_cards_of_class(year.school_class, 2)
    assert len(cards) == 3 + extra
    with django_assert_num_queries(9):
        data = primary.summary(year.school_class, 2)
    assert len(data.parts[-1].rows) == 4 + extra
