"""Students' photos, pure (Pillow, no Django): check a file by its content, make the printed 3×4 picture.

A photo is accepted only when its content is a whole JPEG or PNG image (its name and declared type
say nothing); it is turned upright by its EXIF orientation, cropped to 3×4 around its centre, fitted
to 450×600 pixels and stored as a JPEG without metadata (no camera, place or time goes into the
school's storage). A zip of photos names each by the student's code (``HS001.jpg``).
"""

import io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

from .purei18n import RuleError, gettext_noop

WIDTH, HEIGHT = 450, 600  # 3×4 at 150 dpi: what the học bạ's photo box prints
MAX_PIXELS = 64_000_000  # a phone's photo is 12–50 Mpx; past this it is refused, not decoded
MAX_PHOTO_BYTES = 8 * 1024 * 1024  # one photo inside a zip
MAX_PHOTOS = 2000  # a zip with more entries than a school's students is refused
FORMATS = {"JPEG", "PNG"}
EXTENSIONS = {".jpg", ".jpeg", ".png"}


class PhotoError(RuleError):
    """The file is not a photo this product takes; ``str()`` is the Vietnamese reason."""


@dataclass
class ZipPhotos:
    """What a zip holds: photo bytes by student code, and the entries not taken with why (a msgid)."""

    photos: dict[str, bytes] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


NOT_IMAGE = gettext_noop("The file is not a JPEG or PNG picture.")
TOO_LARGE = gettext_noop("The picture is too large (more than %(pixels)s million pixels).")
TRUNCATED = gettext_noop("The picture is incomplete or damaged.")
NOT_ZIP = gettext_noop("The file is not a zip archive.")
TOO_MANY = gettext_noop("The zip holds more than %(count)s files.")
SKIP_TYPE = gettext_noop("not a .jpg, .jpeg or .png file")
SKIP_SIZE = gettext_noop("larger than 8 MB")
SKIP_TWICE = gettext_noop("a second photo for this code")


def _check_complete(image: Image.Image) -> None:
    """Decode every pixel now: WeasyPrint turns on LOAD_TRUNCATED_IMAGES, which would let a cut file pass."""
    saved = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    except (OSError, SyntaxError) as error:
        raise PhotoError(TRUNCATED) from error
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = saved


def normalized_photo(content: bytes) -> bytes:
    """The stored JPEG of a photo's bytes, or PhotoError with the reason."""
    try:
        with Image.open(io.BytesIO(content)) as probe:
            kind = probe.format
            pixels = probe.width * probe.height
    except Image.DecompressionBombError as error:
        raise PhotoError(TOO_LARGE, pixels=MAX_PIXELS // 1_000_000) from error
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise PhotoError(NOT_IMAGE) from error
    if kind not in FORMATS:
        raise PhotoError(NOT_IMAGE)
    if pixels > MAX_PIXELS:
        raise PhotoError(TOO_LARGE, pixels=MAX_PIXELS // 1_000_000)
    image = Image.open(io.BytesIO(content))
    image.draft("RGB", (WIDTH * 2, HEIGHT * 2))  # a JPEG decodes at a fraction of its size: less memory
    _check_complete(image)
    image = ImageOps.exif_transpose(image)
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    image = ImageOps.fit(image.convert("RGB"), (WIDTH, HEIGHT), method=Image.Resampling.LANCZOS)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, optimize=True)  # no exif= : nothing of the camera is kept
    return out.getvalue()


def photos_in_zip(content: bytes) -> ZipPhotos:
    """The photos of a zip by student code (the file's name without its extension, in any folder)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise PhotoError(NOT_ZIP) from error
    entries = [info for info in archive.infolist() if not info.is_dir()]
    if len(entries) > MAX_PHOTOS:
        raise PhotoError(TOO_MANY, count=MAX_PHOTOS)
    result = ZipPhotos()
    for info in entries:
        path = PurePosixPath(info.filename.replace("\\", "/"))
        if path.name.startswith(".") or "__MACOSX" in path.parts:
            continue  # the Mac's and the shell's hidden companions of each file
        if path.suffix.lower() not in EXTENSIONS:
            result.skipped.append((info.filename, SKIP_TYPE))
            continue
        if info.file_size > MAX_PHOTO_BYTES:
            result.skipped.append((info.filename, SKIP_SIZE))
            continue
        code = path.stem.strip()
        if code in result.photos:
            result.skipped.append((info.filename, SKIP_TWICE))
            continue
        with archive.open(info) as member:
            data = member.read(MAX_PHOTO_BYTES + 1)  # the size in the header may lie
        if len(data) > MAX_PHOTO_BYTES:
            result.skipped.append((info.filename, SKIP_SIZE))
            continue
        result.photos[code] = data
    return result
