"""The học bạ prints a year's certificates, competition results and awards on that year's summary page, in place of
the dotted lines (which stay for a student without any), and hocba.xml carries them in the schema's fields; the printed
ledger's promotion says "Đánh giá lại" as the TT22 form, while the app's pages keep "Kiểm tra lại"."""

import datetime
import io
import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from pypdf import PdfReader

from archive import hocba, rendering
from archive.models import Kind
from gradebook import printed
from gradebook.awards import services

from .conftest import pdf_text

pytestmark = pytest.mark.django_db

DOTS = "……………………………………………………………………"


def flat(text: str) -> str:
    return " ".join(text.split()).replace("/ ", "/")


def pages_of(content: bytes) -> list[str]:
    return [flat(page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def assert_in_order(text: str, labels: list[str]) -> None:
    position = 0
    for label in labels:
        found = text.find(label, position)
        assert found >= 0, f"{label!r} missing after …{text[max(0, position - 120):position]}"
        position = found + len(label)


def give(small, code: str) -> datetime.date:
    day = small.year.start_date + datetime.timedelta(days=70)
    for kind, text, level in (("certificate", "Chứng chỉ tin học IC3", "Cấp độ 1"),
                              ("competition", "Thi Olympic Toán cấp thị xã", "Giải Ba"),
                              ("award", "Giấy khen của Chủ tịch UBND thị xã", "")):
        services.award_add(actor=small.homeroom, school_class=small.school_class, enrolment_id=small.enrolments[code].pk,
                           kind=kind, text=text, level=level, awarded_on=day, reason="Quyết định số 12")
    return day


def test_the_years_summary_page_prints_the_awards_and_the_xml_carries_them(small):
    day = give(small, "ARC001")
    [card, other] = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2,
                                                enrolments=[small.enrolments["ARC001"], small.enrolments["ARC002"]])
    pages = pages_of(card.pdf.content)
    summary = next(page for page in pages if "KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP" in page)
    assert_in_order(summary, [
        "Chứng chỉ (nếu có):", f"Chứng chỉ tin học IC3 — Cấp độ 1 — {day:%d/%m/%Y}",
        "Kết quả tham gia các cuộc thi (nếu có):", f"Thi Olympic Toán cấp thị xã — Giải Ba — {day:%d/%m/%Y}",
        "Khen thưởng (nếu có):", f"Giấy khen của Chủ tịch UBND thị xã — {day:%d/%m/%Y}",
        "NHẬN XÉT CỦA GIÁO VIÊN CHỦ NHIỆM"])
    assert DOTS not in summary.split("Chứng chỉ (nếu có):")[1].split("NHẬN XÉT")[0]
    assert all("Olympic" not in page for page in pages if page is not summary)  # on the year's page only
    # a student without any keeps the dotted lines
    plain = next(page for page in pages_of(other.pdf.content) if "KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP" in page)
    assert_in_order(plain, ["Chứng chỉ (nếu có):", DOTS, "Kết quả tham gia các cuộc thi (nếu có):", DOTS])
    assert "Olympic" not in plain

    data = printed.report_card(small.enrolments["ARC001"], 2)
    root = ET.fromstring(hocba.report_card_xml(data, rendering.card_context(
        small.school_class, small.enrolments["ARC001"].student, code="X", version=1)))
    ns = {"h": hocba.NAMESPACE}
    year = root.find("h:ketquanamhoc", ns)
    assert year.findtext("h:kquathamgiacuocthi", namespaces=ns) == f"Thi Olympic Toán cấp thị xã — Giải Ba — {day:%d/%m/%Y}"
    assert year.findtext("h:ndungkhenthuong", namespaces=ns).endswith(f"Giấy khen của Chủ tịch UBND thị xã — {day:%d/%m/%Y}")
    [certificate] = root.findall("h:chungchi", ns)
    assert certificate.get("namhoc") == small.year.name
    assert (certificate.findtext("h:tenchungchi", namespaces=ns),
            certificate.findtext("h:loaichungchi", namespaces=ns)) == ("Chứng chỉ tin học IC3", "Cấp độ 1")


def test_a_transfer_print_has_the_awards_on_the_years_page_and_dots_on_the_blank_ones(small):
    give(small, "ARC003")
    [card] = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2,
                                         enrolments=[small.enrolments["ARC003"]], transfer=True)
    summaries = [page for page in pages_of(card.pdf.content) if "KẾT QUẢ RÈN LUYỆN VÀ HỌC TẬP" in page]
    assert len(summaries) > 1
    assert "Thi Olympic Toán cấp thị xã" in summaries[0] and small.year.name in summaries[0]
    assert all("Olympic" not in page and DOTS in page for page in summaries[1:])


def test_the_printed_promotion_says_danh_gia_lai_and_the_apps_page_keeps_kiem_tra_lai(small, client):
    summary = flat(pdf_text(rendering.class_document(Kind.SUMMARY, small.school_class, 2).pdf.content))
    assert_in_order(summary, ["Lên lớp", "Đánh giá lại", "Rèn luyện trong hè" if "Rèn luyện trong hè" in summary
                              else "Ở lại lớp"])
    assert "Kiểm tra lại" not in summary
    client.force_login(small.homeroom)
    page = client.get(reverse("gradebook:results", args=[small.school_class.pk, "year"])).content.decode()
    assert "Kiểm tra lại" in page
