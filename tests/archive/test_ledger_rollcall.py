"""The ledger's attendance grid by day: each day's P and K where the homeroom teacher kept the daily roll-call."""


import pytest
from django.utils import translation

from archive import rendering
from archive.models import Kind
from gradebook import printed
from gradebook.homeroom.services import rollcall_save
from seed.demo import demo_year

from .conftest import pdf_text

DEMO_YEAR = demo_year()  # the demo's school year (seed.demo)

pytestmark = pytest.mark.django_db


def test_a_month_kept_by_day_prints_each_days_mark_and_a_typed_month_only_its_totals(small):
    student = small.enrolments["ARC001"]
    for day, mark in ((DEMO_YEAR.next.on(11, 2), "P"), (DEMO_YEAR.next.on(11, 4), "K")):
        rollcall_save(actor=small.homeroom, school_class=small.school_class, day=day, marks={student.pk: mark},
                      today=DEMO_YEAR.next.on(11, 30))

    with translation.override("vi"):
        data = printed.ledger(small.school_class, 1)
    months = {month.label: month for month in data.attendance}
    november, october = months[f"Tháng 11/{DEMO_YEAR.first + 1}"], months[f"Tháng 10/{DEMO_YEAR.first + 1}"]
    assert november.by_day and not october.by_day
    row = next(row for row in november.rows if row.full_name == student.student.full_name)
    # Day 2 starts one 5 mm column in; day 4 one column after day 2's.
    assert (row.marks, row.excused, row.unexcused) == ((("5mm", "P"), ("5mm", "K")), 1, 1)
    typed = next(row for row in october.rows if row.full_name == student.student.full_name)
    assert (typed.marks, typed.excused, typed.unexcused) == ((), 2, 1)

    text = pdf_text(rendering.class_document(Kind.LEDGER, small.school_class, 1).pdf.content)
    assert "lấy từ điểm danh hằng ngày" in text
