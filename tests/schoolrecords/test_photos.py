"""Students' photos: checked by content, made 3×4 without camera data, uploaded one by one or from a zip,
served only to the board, printed on the học bạ."""

import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from PIL import Image

from schoolrecords import models as m
from schoolrecords import photos, services


def png(width=800, height=600, color=(200, 30, 30), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg_with_exif(width=1200, height=900, orientation=6) -> bytes:
    """A camera's picture: stored sideways with an EXIF orientation, and a GPS-like maker note."""
    image = Image.new("RGB", (width, height), (10, 120, 200))
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation: rotate 90° to show
    exif[0x010F] = "PhoneMaker"  # Make
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def zipped(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


# --- the pure module ---------------------------------------------------------------------

def test_a_photo_is_turned_upright_fitted_to_3x4_and_keeps_no_camera_data():
    stored = photos.normalized_photo(jpeg_with_exif())
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG" and image.size == (photos.WIDTH, photos.HEIGHT)
        assert not image.getexif()  # neither the orientation nor the maker is kept


def test_a_transparent_png_is_flattened_on_white():
    stored = photos.normalized_photo(png(mode="RGBA", color=(0, 0, 0, 0)))
    with Image.open(io.BytesIO(stored)) as image:
        assert image.mode == "RGB" and image.getpixel((10, 10))[0] > 240


@pytest.mark.parametrize("content", [
    b"%PDF-1.7 not a picture",
    b"GIF89a" + b"\0" * 64,
    b"",
])
def test_what_is_not_a_jpeg_or_png_picture_is_refused_by_its_content(content):
    with pytest.raises(photos.PhotoError) as refused:
        photos.normalized_photo(content)
    assert refused.value.message == photos.NOT_IMAGE
    assert "JPEG" in str(refused.value) and "ảnh" in str(refused.value)  # Vietnamese outside a request too


def test_a_gif_with_a_jpg_name_is_refused_even_though_pillow_reads_it():
    out = io.BytesIO()
    Image.new("RGB", (30, 40)).save(out, "GIF")
    with pytest.raises(photos.PhotoError):
        photos.normalized_photo(out.getvalue())


def test_a_cut_off_picture_is_refused_although_weasyprint_lets_pillow_read_truncated_files():
    from PIL import ImageFile

    whole = jpeg_with_exif(orientation=1)
    ImageFile.LOAD_TRUNCATED_IMAGES = True  # what importing WeasyPrint does
    try:
        with pytest.raises(photos.PhotoError) as refused:
            photos.normalized_photo(whole[: len(whole) // 2])
        assert refused.value.message == photos.TRUNCATED
        assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # the flag is given back as it was
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = False


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100)
    with pytest.raises(photos.PhotoError) as refused:
        photos.normalized_photo(png(200, 200))
    assert refused.value.message == photos.TOO_LARGE


def test_a_zip_gives_photos_by_code_and_says_what_it_did_not_take():
    found = photos.photos_in_zip(zipped({
        "6A1/HS001.jpg": b"a", "HS002.PNG": b"b", "notes.txt": b"c", "__MACOSX/._HS001.jpg": b"d",
        ".DS_Store": b"e", "other/HS001.jpeg": b"f",
    }))
    assert found.photos == {"HS001": b"a", "HS002": b"b"}
    assert [(name, why) for name, why in found.skipped] == [
        ("notes.txt", photos.SKIP_TYPE), ("other/HS001.jpeg", photos.SKIP_TWICE)]


def test_what_is_not_a_zip_is_refused():
    with pytest.raises(photos.PhotoError) as refused:
        photos.photos_in_zip(png())
    assert refused.value.message == photos.NOT_ZIP


# --- services and pages --------------------------------------------------------------------

def _student(demo, class_name="6A1"):
    return m.Enrolment.objects.filter(school_class=demo.school_class(class_name)).select_related("student") \
        .order_by("student__code").first().student


@pytest.mark.django_db
def test_board_uploads_a_photo_on_the_student_page_and_sees_it_there_privately(demo, login):
    student = _student(demo)
    client = login("board")
    response = client.post(reverse("setup:student_photo_upload", args=[student.pk]),
                           {"file": io.BytesIO(jpeg_with_exif())}, format="multipart")
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.photo.name.startswith(f"students/photos/{student.code}-") and student.photo.name.endswith(".jpg")
    record = student.history.first()
    assert record.history_user.username == "board" and record.history_change_reason
    page = client.get(reverse("setup:student_edit", args=[student.pk]))
    assert reverse("setup:student_photo", args=[student.pk]) in page.content.decode()
    picture = client.get(reverse("setup:student_photo", args=[student.pk]))
    assert picture.status_code == 200 and picture["Cache-Control"] == "private, no-store"
    with Image.open(io.BytesIO(b"".join(picture.streaming_content))) as image:
        assert image.size == (photos.WIDTH, photos.HEIGHT)


@pytest.mark.django_db
def test_a_replaced_photo_keeps_the_old_file_for_the_history(demo, login):
    student = _student(demo)
    board = demo.user("board")
    first = services.student_photo_set(actor=board, student=student, content=png()).photo.name
    second = services.student_photo_set(actor=board, student=student, content=png(color=(0, 0, 0))).photo.name
    assert first != second
    from django.core.files.storage import default_storage
    assert default_storage.exists(first) and default_storage.exists(second)
    assert [h.photo for h in student.history.all()[:2]] == [second, first]


@pytest.mark.django_db
@pytest.mark.parametrize(("content", "words"), [
    (b"%PDF-1.4 a scan, not a picture", "JPEG"),
    (b"\xff\xd8\xff\xe0" + b"\0" * 40, "JPEG"),  # a JPEG's first bytes and nothing of a picture
])
def test_a_file_that_is_not_a_picture_is_refused_at_the_field_and_the_old_photo_stays(demo, login, content, words):
    student = _student(demo)
    services.student_photo_set(actor=demo.user("board"), student=student, content=png())
    student.refresh_from_db()
    before, versions = student.photo.name, student.history.count()
    response = login("board").post(reverse("setup:student_photo_upload", args=[student.pk]),
                                   {"file": io.BytesIO(content)}, format="multipart")
    assert response.status_code == 200
    errors = response.context["photo_form"].errors["file"]
    assert any(words in e and "ảnh" in e for e in errors)
    student.refresh_from_db()
    assert student.photo.name == before and student.history.count() == versions


@pytest.mark.django_db
def test_a_50_mb_photo_is_refused_at_the_field_with_the_limit(demo, login):
    student = _student(demo)
    big = io.BytesIO(b"\xff\xd8\xff" + b"\0" * (50 * 1024 * 1024))
    big.name = "big.jpg"
    response = login("board").post(reverse("setup:student_photo_upload", args=[student.pk]), {"file": big})
    assert response.status_code == 200
    assert any("10 MB" in e for e in response.context["photo_form"].errors["file"])
    student.refresh_from_db()
    assert not student.photo


@pytest.mark.django_db
def test_a_class_zip_stores_every_photo_by_code_in_one_go(demo, login):
    school_class = demo.school_class("6A1")
    codes = sorted(m.Student.objects.filter(enrolments__school_class=school_class).values_list("code", flat=True))[:3]
    content = zipped({f"{code}.png": png() for code in codes} | {"__MACOSX/._x.png": b"x"})
    response = login("board").post(reverse("setup:class_photos", args=[school_class.pk]),
                                   {"file": io.BytesIO(content)}, format="multipart")
    assert response.status_code == 302
    stored = m.Student.objects.filter(code__in=codes, school=demo.school)
    assert all(s.photo.name.startswith(f"students/photos/{s.code}-") for s in stored)
    page = login("board").get(reverse("setup:class_photos", args=[school_class.pk]))
    assert page.context["missing"] == school_class.enrolments.count() - 3


@pytest.mark.django_db
def test_a_class_zip_with_one_bad_file_or_a_stranger_saves_nothing_and_lists_each_problem(demo, login):
    school_class = demo.school_class("6A1")
    codes = sorted(m.Student.objects.filter(enrolments__school_class=school_class).values_list("code", flat=True))
    other = m.Student.objects.filter(enrolments__school_class=demo.school_class("6A2")).first().code
    content = zipped({f"{codes[0]}.png": png(), f"{codes[1]}.jpg": b"not a picture", f"{other}.png": png(),
                      "readme.txt": b"hi"})
    response = login("board").post(reverse("setup:class_photos", args=[school_class.pk]),
                                   {"file": io.BytesIO(content)}, format="multipart")
    assert response.status_code == 200
    errors = response.context["form"].errors["file"]
    assert len(errors) == 3
    assert any(codes[1] in e for e in errors) and any(other in e and "6A1" in e for e in errors)
    assert any("readme.txt" in e for e in errors)
    assert not m.Student.objects.filter(code__in=[codes[0], codes[1]], school=demo.school).exclude(photo="").exists()


@pytest.mark.django_db
def test_a_class_zip_of_another_school_s_class_is_hidden(demo, login, other_school):
    response = login("board").post(reverse("setup:class_photos", args=[other_school["school_class"].pk]),
                                   {"file": io.BytesIO(zipped({"X001.png": png()}))}, format="multipart")
    assert response.status_code == 404
    other_school["student"].refresh_from_db()
    assert not other_school["student"].photo


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["teacher_math", "homeroom_6a1", "clerk"])
def test_a_teacher_or_the_clerk_may_neither_upload_nor_call_the_service(demo, login, username):
    student = _student(demo)
    response = login(username).post(reverse("setup:student_photo_upload", args=[student.pk]),
                                    {"file": io.BytesIO(png())}, format="multipart")
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.student_photo_set(actor=demo.user(username), student=student, content=png())
    student.refresh_from_db()
    assert not student.photo


@pytest.mark.django_db
def test_the_uploaded_photo_is_printed_in_the_hoc_ba_photo_box(demo):
    from archive import rendering
    from archive.models import Kind
    from gradebook import printed

    student = services.student_photo_set(actor=demo.user("board"), student=_student(demo),
                                         content=png(color=(0, 90, 0)))
    enrolment = m.Enrolment.objects.get(student=student, school_class__year=demo.year)
    card = printed.report_card(enrolment, 2)
    assert student.photo.name and card.student.photo == "/media/" + student.photo.name
    rendered = rendering.student_documents(Kind.REPORT_CARD, enrolment.school_class, 2, enrolments=[enrolment])[0]
    from pypdf import PdfReader

    images = [image for page in PdfReader(io.BytesIO(rendered.pdf.content)).pages for image in page.images]
    assert images, "the học bạ has no picture"
    with Image.open(io.BytesIO(images[0].data)) as printed_photo:
        assert printed_photo.size == (photos.WIDTH, photos.HEIGHT)
