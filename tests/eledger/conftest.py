"""Fixtures of the document store's tests: files in a temporary MEDIA_ROOT, hand-made PDFs, lesson plans."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def tiny_pdf(text: str = "Ke hoach bai day") -> bytes:
    """A small valid one-page PDF written by hand (header, four objects, cross-reference table)."""
    stream = f"BT /F1 18 Tf 50 780 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def pdf_upload(name: str = "SINH HỌC 9_TIẾT 1_MEN ĐEN VÀ DI TRUYỀN HỌC.pdf", data: bytes | None = None):
    return SimpleUploadedFile(name, tiny_pdf() if data is None else data, content_type="application/pdf")


def next_weekday(today: datetime.date, weekday: int, *, weeks_ahead: int = 1) -> datetime.date:
    """The given weekday (0 = Monday) of the week ``weeks_ahead`` after today's."""
    monday = today - datetime.timedelta(days=today.weekday()) + datetime.timedelta(days=7 * weeks_ahead)
    return monday + datetime.timedelta(days=weekday)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def store(demo):
    """The demo school's document kinds, seeded, and a helper to add lesson plans through the service."""
    from eledger import services
    from eledger.models import DocumentKind
    from schoolrecords.services import system_user

    services.document_kinds_seed(actor=system_user(), school=demo.school)

    class Store:
        kinds = {k.code: k for k in DocumentKind.objects.filter(school=demo.school)}

        @staticmethod
        def lesson_plan(username="teacher_math", *, subject="toan", grade=6, period=1, title="Tập hợp",
                        teaching_date=None, today=None, submit=True, filename=None, data=None):
            today = today or datetime.date(2025, 10, 1)
            teaching_date = teaching_date or next_weekday(today, 3)
            name = filename or f"TOÁN {grade}_TIẾT {period}_{title.upper()}.pdf"
            return services.document_create(
                actor=demo.user(username), kind=Store.kinds["lesson_plan"], content=pdf_upload(name, data),
                filename=name, subject=demo.subject(subject), grade=grade, period=period, lesson_title=title,
                teaching_date=teaching_date, submit=submit, today=today,
            )

    return Store
