"""Every archived file numbers its own pages 1..N, read back from the text at the foot of each page (pypdf),
also when a class's per-student files are laid out as one document and split (archive.rendering.SPLIT)."""

import io
import re

import pytest
from pypdf import PdfReader

from archive import pdf, rendering
from archive.models import Kind

from .test_primary_prints import PrimaryYear

pytestmark = pytest.mark.django_db

FOOT_PT = 16 / 25.4 * 72  # forms.css: the bottom margin, 16 mm, where @bottom-center prints "page / pages"
NUMBER = re.compile(r"^\s*(\d+) / (\d+)\s*$")


def foot_numbers(content: bytes) -> list[tuple[int, int] | None]:
    """The "page / pages" text in each page's bottom margin (None: a page without one, the cover)."""
    numbers = []
    for page in PdfReader(io.BytesIO(content)).pages:
        found = []

        def visit(text, cm, tm, _font, _size, found=found):
            height = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's baseline on the page, in points
            if height < FOOT_PT and NUMBER.match(text):
                found.append(tuple(int(part) for part in NUMBER.match(text).groups()))

        page.extract_text(visitor_text=visit)
        assert len(found) <= 1, found
        numbers.append(found[0] if found else None)
    return numbers


def assert_numbered_one_to_n(rendered: pdf.Pdf, *, cover: bool) -> None:
    numbers = foot_numbers(rendered.content)
    pages = rendered.pages
    assert len(numbers) == pages
    expected = [(number, pages) for number in range(1, pages + 1)]
    if cover:  # the cover page (forms.css @page cover) carries no number; the count includes it
        expected[0] = None
    assert numbers == expected


def test_the_pieces_find_the_foot_of_the_page_and_cut_parts_at_their_anchors():
    assert pdf.part_numbers([["a"], [], ["b"], [], []], frozenset({"a", "b"})) == [
        (1, 2), (2, 2), (1, 3), (2, 3), (3, 3)]
    assert pdf.part_numbers([[], ["a", "x"], ["a"]], frozenset({"a"})) == [(1, 1), (1, 2), (2, 2)]
    html = "<p>one</p><p style='break-before: page'>two</p>"
    document = pdf.html_to_pdf(
        "<style>@page { margin: 16mm; @bottom-center { content: counter(page) ' / ' counter(pages) } }</style>" + html)
    assert foot_numbers(document.content) == [(1, 2), (2, 2)]


def test_report_cards_laid_out_together_each_number_their_pages_one_to_n(small):
    cards = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2, split=True)
    assert len(cards) == 2 and all(card.pdf.pages >= 3 for card in cards)
    for card in cards:
        assert_numbered_one_to_n(card.pdf, cover=True)
    one_by_one = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2, split=False)
    assert [foot_numbers(card.pdf.content) for card in one_by_one] == [foot_numbers(card.pdf.content)
                                                                        for card in cards]


def test_parent_slips_and_the_transfer_print_number_their_own_pages(small):
    slips = rendering.student_documents(Kind.PARENT_SLIP, small.school_class, 1, split=True)
    assert len(slips) == 3
    for slip in slips:
        assert_numbered_one_to_n(slip.pdf, cover=False)
    [transfer] = rendering.student_documents(Kind.REPORT_CARD, small.school_class, 2,
                                             enrolments=[small.enrolments["ARC003"]], transfer=True,
                                             print_date=small.year.start_date)
    assert transfer.pdf.pages > 3
    assert_numbered_one_to_n(transfer.pdf, cover=True)


def test_the_ledger_and_the_summary_table_number_their_pages_one_to_n(small):
    ledger = rendering.class_document(Kind.LEDGER, small.school_class, 2)
    assert ledger.pdf.pages > 10
    assert_numbered_one_to_n(ledger.pdf, cover=True)
    summary = rendering.class_document(Kind.SUMMARY, small.school_class, 2)
    assert_numbered_one_to_n(summary.pdf, cover=False)


def test_the_primary_report_cards_and_summary_table_number_their_own_pages():
    prim = PrimaryYear()
    cards = rendering.student_documents(Kind.PRIMARY_REPORT_CARD, prim.school_class, 2, split=True)
    assert len(cards) == 3
    for card in cards:
        assert_numbered_one_to_n(card.pdf, cover=card.pdf.pages > 1 and foot_numbers(card.pdf.content)[0] is None)
        assert foot_numbers(card.pdf.content)[-1] == (card.pdf.pages, card.pdf.pages)
    summary = rendering.class_document(Kind.PRIMARY_SUMMARY, prim.school_class, 2)
    assert_numbered_one_to_n(summary.pdf, cover=False)
