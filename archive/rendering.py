"""From a class (or a student) to PDF bytes: the printed form's data, its template, WeasyPrint.

Always in Vietnamese (the Ministry's forms), whatever language the person who asked reads.
Per-student forms of a class (report cards, parent slips) read the class once; each student's
file is then rendered on its own, or - ``SPLIT`` - the whole class is laid out as one document
and cut into per-student files at each student's first page. scripts/bench_archive.py measures
both; docs/benchmarks.md has the figures behind the choice.
"""

import dataclasses
import datetime
import hashlib
import json
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from gradebook import api as printed
from schoolrecords import models as sm

from . import codes, hocba, marks, pdf, primary
from .models import Kind, Variant

TEMPLATES = {
    Kind.LEDGER: "pdf/ledger.html",
    Kind.SUMMARY: "pdf/summary.html",
    Kind.REPORT_CARD: "pdf/report_card.html",
    Kind.PARENT_SLIP: "pdf/parent_slip.html",
    Kind.PRIMARY_REPORT_CARD: "pdf/primary_report_card.html",
    Kind.PRIMARY_SUMMARY: "pdf/primary_summary.html",
}
# Lay a class's per-student forms out together and split them (True), or one by one (False): the
# split is about a third faster (docs/benchmarks.md). At most SPLIT_CHUNK students are laid out at
# once, which bounds a worker's memory whatever the size of the class.
SPLIT = True
SPLIT_CHUNK = 15


@dataclass(frozen=True)
class Rendered:
    """One file, ready to seal: what it is of, its bytes, the hash of the data it shows, the code it carries."""

    kind: str
    variant: str
    school_class: sm.SchoolClass
    student: sm.Student | None
    pdf: pdf.Pdf | None  # None: not rendered, the data are those of the version sealed already (``sealed``)
    data_hash: str
    code: str = ""
    version: int | None = None  # the version the file names inside it (a report card's XML), None: none


def print_date_label(day: datetime.date) -> str:
    return _("Printed on %(date)s") % {"date": formats.date_format(day, "d/m/Y")}


def data_hash(data) -> str:
    """SHA-256 of a form's data: canonical JSON of the dataclasses (sorted keys, no whitespace)."""
    payload = json.dumps(dataclasses.asdict(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _html(kind: str, context: dict) -> str:
    return render_to_string(TEMPLATES[kind], context)


def _pdf(kind: str, context: dict, print_date: datetime.date | None) -> pdf.Pdf:
    """A class's form: laid out a few sections at a time and joined (pdf.html_to_pdf_in_parts), which keeps a
    worker's memory flat however long the ledger (docs/benchmarks.md)."""
    return pdf.html_to_pdf_in_parts(_html(kind, context),
                                    print_date=print_date_label(print_date) if print_date else None)


def class_document(kind: str, school_class: sm.SchoolClass, term_number: int, *,
                   print_date: datetime.date | None = None, corrections=None, code: str | None = None,
                   sealed: str = "") -> Rendered:
    """The ledger or the summary table (secondary or primary) of a class. ``print_date``: an ad-hoc print,
    dated on every page.

    ``code``: the verification code every page carries (a new one when not given). ``sealed``: the data
    hash of the version that stands in the archive; the same data are not rendered again (``pdf`` None).
    """
    code = code or codes.new_code()
    with translation.override(settings.LANGUAGE_CODE):
        if kind == Kind.LEDGER:
            data = printed.ledger(school_class, term_number, corrections=corrections)
        elif kind == Kind.SUMMARY:
            data = printed.summary(school_class, term_number)
        elif kind == Kind.PRIMARY_SUMMARY:
            data = primary.summary(school_class, term_number)
        else:
            raise ValueError(kind)
        hashed = data_hash(data)
        if sealed and hashed == sealed:
            return Rendered(kind=kind, variant="", school_class=school_class, student=None, pdf=None,
                            data_hash=hashed)
        document = _pdf(kind, {"data": data, "marks": {"": marks.mark(code)}}, print_date)
    return Rendered(kind=kind, variant="", school_class=school_class, student=None, pdf=document,
                    data_hash=hashed, code=code)


def card_context(school_class: sm.SchoolClass, student: sm.Student, *, code: str, version: int) -> hocba.Context:
    """What a report card's XML says besides its printed data (the school's and the year's codes, the version)."""
    year = school_class.year
    return hocba.Context(school_code=year.school.code, school_level=year.school.level, rule_set=year.rule_set,
                         gender=student.gender, verification_code=code, version=version,
                         created_on=timezone.localdate())


def _data_files(kind: str, school_class: sm.SchoolClass, student: sm.Student, data, *, code: str,
                version: int) -> tuple[pdf.DataFile, ...]:
    """A report card carries its data as hocba.xml (PDF/A-3b); the other forms carry none."""
    if kind != Kind.REPORT_CARD:
        return ()
    xml = hocba.report_card_xml(data, card_context(school_class, student, code=code, version=version))
    return (pdf.DataFile(name=hocba.FILE_NAME, content=xml, description="Học bạ (dữ liệu)"),)


def _student_forms(kind: str, school_class: sm.SchoolClass, term_number: int,
                   enrolments: list[sm.Enrolment] | None, transfer: bool):
    if kind == Kind.REPORT_CARD:
        if transfer:
            return [(enrolment, printed.report_card(enrolment, term_number, transfer=True))
                    for enrolment in enrolments]
        return printed.report_cards_of_class(school_class, term_number, enrolments)
    if kind == Kind.PRIMARY_REPORT_CARD:
        return primary.report_cards_of_class(school_class, term_number, enrolments, transfer=transfer)
    if kind == Kind.PARENT_SLIP:
        data = printed.load_class(school_class)
        enrolments = enrolments if enrolments is not None else printed.due_enrolments(data, term_number)
        return [(enrolment, printed.parent_slip(enrolment, term_number, data=data)) for enrolment in enrolments]
    raise ValueError(kind)


def student_documents(kind: str, school_class: sm.SchoolClass, term_number: int, *,
                      enrolments: list[sm.Enrolment] | None = None, transfer: bool = False,
                      print_date: datetime.date | None = None, split: bool | None = None,
                      versions: dict[int, int] | None = None, sealed: dict[int, str] | None = None
                      ) -> list[Rendered]:
    """Report cards (secondary or primary) or parent slips of some students of a class (``enrolments``; None:
    every due student).

    ``transfer``: the report card's transfer print. ``split`` overrides ``SPLIT``. Each file gets its
    own verification code on every page; a report card is PDF/A-3b with its data as hocba.xml, which
    names the version it will be sealed as (``versions``: by student id; 1 when not given). ``sealed``: by
    student id, the data hash of the version that stands in the archive; a student whose data are the
    same is not rendered again (his Rendered has no ``pdf``).
    """
    split = SPLIT if split is None else split
    variant = Variant.TRANSFER if transfer else Variant.STANDARD
    label = print_date_label(print_date) if print_date else None
    versions = versions or {}
    sealed = sealed or {}
    unchanged = []
    with translation.override(settings.LANGUAGE_CODE):
        forms = []
        for enrolment, data in _student_forms(kind, school_class, term_number, enrolments, transfer):
            hashed = data_hash(data)
            if sealed.get(enrolment.student_id) == hashed:
                unchanged.append(Rendered(kind=kind, variant=variant, school_class=school_class,
                                          student=enrolment.student, pdf=None, data_hash=hashed))
            else:
                forms.append((enrolment, data))
        if not forms:
            return unchanged
        form_codes = [codes.new_code() for _form in forms]
        data_files = [
            _data_files(kind, school_class, enrolment.student, data, code=code,
                        version=versions.get(enrolment.student_id, 1))
            for (enrolment, data), code in zip(forms, form_codes, strict=True)
        ]
        form_marks = {data.anchor: marks.mark(code) for (_enrolment, data), code in zip(forms, form_codes,
                                                                                         strict=True)}
        if split and len(forms) > 1:
            files = []
            for start in range(0, len(forms), SPLIT_CHUNK):
                chunk = [data for _enrolment, data in forms[start:start + SPLIT_CHUNK]]
                anchors = [data.anchor for data in chunk]
                document = pdf.render(_html(kind, {"forms": chunk, "marks": form_marks}), print_date=label,
                                      parts=anchors)
                parts = pdf.split_by_anchor(document, anchors)
                files.extend(pdf.write(document, parts[data.anchor], data_files=data_files[start + position])
                             for position, data in enumerate(chunk))
                del document, parts
        else:
            files = [pdf.html_to_pdf(_html(kind, {"forms": [data], "marks": form_marks}), print_date=label,
                                     data_files=attached)
                     for (_enrolment, data), attached in zip(forms, data_files, strict=True)]
    return unchanged + [
        Rendered(kind=kind, variant=variant, school_class=school_class, student=enrolment.student, pdf=file,
                 data_hash=data_hash(data), code=code,
                 version=versions.get(enrolment.student_id, 1) if kind == Kind.REPORT_CARD else None)
        for (enrolment, data), file, code in zip(forms, files, form_codes, strict=True)
    ]


def correction_minutes(data: printed.MinutesData, *, printed_on: datetime.date | None = None,
                       code: str = "") -> pdf.Pdf:
    """The minutes of an approved correction (biên bản sửa dữ liệu, seed 000 art. 8.3) from gradebook.api's data.

    ``code``: the verification code its pages carry (none: no mark, as for a download printed on the fly).
    """
    with translation.override(settings.LANGUAGE_CODE):
        return pdf.html_to_pdf(render_to_string("pdf/correction_minutes.html", {
            "minutes": data, "printed_on": printed_on, "marks": {"": marks.mark(code)} if code else {}}))
