"""HTML to PDF with WeasyPrint: A4, embedded DejaVu fonts, local files only, page counts and splitting.

Printed forms are Django templates under templates/pdf/ that link their stylesheet with
``{% static %}``. The URL fetcher below serves only the site's static files (through the
staticfiles finders), the font files and the students' photos, read through the media storage
(MEDIA_ROOT, or the media bucket when STORAGE_URL is set): a printed form never
reaches the network, so a form renders the same on a school server with no Internet access.

Fonts: the DejaVu family (Debian's fonts-dejavu-core, installed by scripts/bootstrap.sh and the
Docker image) carries every Vietnamese letter with its diacritics; it is declared with
``@font-face`` so WeasyPrint embeds (subsets) it in each PDF instead of relying on the reader's
fonts. ``ARCHIVE_FONT_DIR`` (setting or environment) points elsewhere when the fonts live
elsewhere.
"""

import contextvars
import io
import mimetypes
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

import weasyprint.layout as weasyprint_layout
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import storages
from weasyprint import CSS, HTML, Attachment
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# Relative URLs of a form ("/static/pdf/forms.css") resolve against this base; it names no real
# host, and the fetcher maps it to the staticfiles finders.
BASE_URL = "https://static.invalid/"
STATIC_PREFIX = "/static/"

FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",  # Debian, Ubuntu: fonts-dejavu-core
    "/usr/share/fonts/dejavu",  # Fedora, Alpine
    "/usr/share/fonts/TTF",  # Arch
)
# (CSS family, weight, style, file name): serif for the forms' text, sans for headings and tables.
FONT_FACES = (
    ("Form Serif", "normal", "normal", "DejaVuSerif.ttf"),
    ("Form Serif", "bold", "normal", "DejaVuSerif-Bold.ttf"),
    ("Form Sans", "normal", "normal", "DejaVuSans.ttf"),
    ("Form Sans", "bold", "normal", "DejaVuSans-Bold.ttf"),
)


class FontsMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def font_dir() -> Path:
    configured = getattr(settings, "ARCHIVE_FONT_DIR", None) or os.environ.get("ARCHIVE_FONT_DIR")
    candidates = [configured] if configured else list(FONT_DIRS)
    for candidate in candidates:
        path = Path(candidate)
        if all((path / name).is_file() for *_rest, name in FONT_FACES):
            return path.resolve()
    raise FontsMissing(
        f"The DejaVu fonts were not found in {', '.join(candidates)}: install Debian's fonts-dejavu-core "
        "or set ARCHIVE_FONT_DIR."
    )


@lru_cache(maxsize=1)
def font_css() -> str:
    """@font-face rules for the forms' two families, pointing at the local font files."""
    directory = font_dir()
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style}; '
        f'src: url("{(directory / name).as_uri()}"); }}'
        for family, weight, style, name in FONT_FACES
    )


def print_date_css(label: str) -> str:
    """An ad-hoc print carries its print date on every page (seed 000, art. 11.2.b): bottom right."""
    escaped = label.replace("\\", "\\\\").replace('"', '\\"')
    return f'@page {{ @bottom-right {{ content: "{escaped}"; font-family: "Form Sans"; font-size: 7.5pt; }} }}'


# What a printed form may read besides the static files: the forms' fonts, and the students' photos
# (schoolrecords.models.Student.photo); an uploaded document or evidence file is never read.
PHOTO_FOLDER = "students/photos"
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


class LocalFetcher(URLFetcher):
    """Serves static files, the font files and the students' photos; refuses everything else (no network)."""

    def __init__(self):
        super().__init__(timeout=1, allowed_protocols={"https", "file", "data"}, allow_redirects=False)

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "https" and url.startswith(BASE_URL):
            return self._static(unquote(parts.path))
        if parts.scheme == "file":
            return self._file(Path(unquote(parts.path)))
        raise ValueError(f"printed forms only use local files, not {url}")

    def _static(self, path: str) -> URLFetcherResponse:
        media = settings.MEDIA_URL
        if path.startswith(STATIC_PREFIX):
            found = finders.find(path[len(STATIC_PREFIX):])
            if found:
                return self._response(Path(found))
        elif media and path.startswith(media):
            return self._photo(path[len(media):])
        raise ValueError(f"no such local file: {path}")

    @staticmethod
    def _photo(name: str) -> URLFetcherResponse:
        """A student's photo, by its media name, from the media storage (folder or bucket) and nothing else."""
        parts = PurePosixPath(name).parts
        if (len(parts) < 3 or "/".join(parts[:2]) != PHOTO_FOLDER or ".." in parts or "\\" in name
                or PurePosixPath(name).suffix.lower() not in PHOTO_SUFFIXES):
            raise ValueError(f"a printed form reads only its fonts and the students' photos, not {name}")
        media = storages["default"]
        try:
            with media.open(name, "rb") as handle:
                content = handle.read()
        except (OSError, SuspiciousFileOperation) as error:
            raise ValueError(f"no such photo: {name}") from error
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return URLFetcherResponse(BASE_URL + settings.MEDIA_URL.lstrip("/") + name, content, {"Content-Type": content_type})

    def _file(self, path: Path) -> URLFetcherResponse:
        path = path.resolve()
        if not (path.is_relative_to(font_dir()) and path.suffix.lower() == ".ttf") or not path.is_file():
            raise ValueError(f"a printed form reads only its fonts and the students' photos, not {path}")
        return self._response(path)

    @staticmethod
    def _response(path: Path) -> URLFetcherResponse:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})


# --- page numbers per file ------------------------------------------------------------------------
#
# Several files laid out as one document (a class's report cards, split per student) number their
# own pages: counter(page) and counter(pages) in the page margins (forms.css) read 1..N within the
# part the page belongs to, not the page of the whole batch. WeasyPrint lays the margin boxes out
# after the whole document is paginated, from each page's counter state; while a document with
# parts is rendered, that state is given the part's numbers. The parts start at element ids, as
# split_by_anchor cuts them.

_PARTS: contextvars.ContextVar[frozenset[str] | None] = contextvars.ContextVar("archive_pdf_parts", default=None)
_weasyprint_margin_boxes = weasyprint_layout.make_margin_boxes


def part_numbers(anchors_by_page: list[list[str]], parts: frozenset[str]) -> list[tuple[int, int]]:
    """(page number within its part, pages of the part) for each page, parts starting at the pages whose
    anchors name one of ``parts``; pages before the first part count as a part of their own."""
    starts = [0]
    seen: set[str] = set()
    for number, anchors in enumerate(anchors_by_page):
        started = [anchor for anchor in anchors if anchor in parts and anchor not in seen]
        seen.update(started)
        if started and number not in starts:
            starts.append(number)
    starts.append(len(anchors_by_page))
    numbers = []
    for first, end in zip(starts, starts[1:], strict=False):
        numbers.extend((position + 1, end - first) for position in range(end - first))
    return numbers


def _margin_boxes(context, page, state):
    parts = _PARTS.get()
    if parts:
        numbers = getattr(context, "archive_part_numbers", None)
        if numbers is None:
            # page_maker[n - 1] holds what page n's layout found, its anchors among it; the state's
            # "pages" counter is the document's length once the pagination is done.
            total = state[1]["pages"][0]
            anchors = [list(context.page_maker[number][-1].get("anchors", ())) for number in range(total)]
            numbers = context.archive_part_numbers = part_numbers(anchors, parts)
        number, pages = numbers[context.current_page - 1]
        quote_depth, counter_values, counter_scopes, page_groups = state
        state = (quote_depth, {**counter_values, "page": [number], "pages": [pages]}, counter_scopes, page_groups)
    return _weasyprint_margin_boxes(context, page, state)


weasyprint_layout.make_margin_boxes = _margin_boxes


@dataclass(frozen=True)
class Pdf:
    content: bytes
    pages: int


def render(html: str, *, print_date: str | None = None, parts: list[str] | None = None, extra_css: str = ""):
    """Lay out ``html`` (a whole printed form) and return WeasyPrint's document, not yet written.

    ``print_date``: the label an ad-hoc print carries at the bottom right of every page. ``parts``:
    the element ids at which the files laid out together start (split_by_anchor); each numbers its
    own pages 1..N.
    """
    font_config = FontConfiguration()
    stylesheets = [CSS(string=font_css(), font_config=font_config)]
    if print_date:
        stylesheets.append(CSS(string=print_date_css(print_date), font_config=font_config))
    if extra_css:
        stylesheets.append(CSS(string=extra_css, font_config=font_config))
    fetcher = LocalFetcher()
    token = _PARTS.set(frozenset(parts) if parts else None)
    try:
        document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
            font_config=font_config, stylesheets=stylesheets
        )
    finally:
        _PARTS.reset(token)
    return document


@dataclass(frozen=True)
class DataFile:
    """A file a PDF carries inside it (PDF/A-3: the document's data, machine-readable)."""

    name: str
    content: bytes
    description: str
    relationship: str = "Data"  # ISO 32000-2 7.11.3: the data the page shows


PDF_A3B = "pdf/a-3b"


def write(document, pages=None, *, data_files: tuple[DataFile, ...] = ()) -> Pdf:
    """The PDF bytes of the document, or of some of its pages.

    ``data_files``: attached as PDF/A-3b (ISO 19005-3) associated files, the file then written as PDF/A-3b.
    """
    if pages is not None:
        document = document.copy(pages)
    buffer = io.BytesIO()
    options = {}
    if data_files:
        options["pdf_variant"] = PDF_A3B
        options["attachments"] = [
            Attachment(string=item.content, name=item.name, description=item.description,
                       relationship=item.relationship, url_fetcher=LocalFetcher())
            for item in data_files
        ]
    document.write_pdf(buffer, **options)
    return Pdf(content=buffer.getvalue(), pages=len(document.pages))


def html_to_pdf(html: str, *, print_date: str | None = None, data_files: tuple[DataFile, ...] = ()) -> Pdf:
    return write(render(html, print_date=print_date), data_files=data_files)


# --- a long form in parts ---------------------------------------------------------------------------
#
# WeasyPrint keeps every page's boxes until the file is written: a class ledger of ~50 pages took a
# worker ~360 MB. A form whose body is a run of <section>s (each starting on a new page, forms.css) is
# laid out a few sections at a time, each part written at once and its layout let go, and the parts
# joined (pypdf). Each part carries what every page shows (the verification mark, the running title);
# the page numbers, "page / pages" of the whole file, are laid over the joined pages from a document of
# empty pages of the same page types, so they read 1..N as a single layout would have them.

SECTIONS_PER_PART = 8
NO_PAGE_NUMBERS_CSS = "@page { @bottom-center { content: none !important; } }"  # over forms.css (a user sheet)
_MARK_CLASSES = ("verify-mark",)  # running elements (position: running()) every part must carry
_RUNNING_CLASS = "running"  # string-set elements (the running title): the last one met goes into each next part


def _classes(element) -> set[str]:
    return set((element.get("class") or "").split())


def split_sections(html: str, per_part: int) -> list[str] | None:
    """The form cut into standalone documents of at most ``per_part`` top-level sections (the first also holds
    what comes before the first section); None when it has no more sections than that."""
    import lxml.html

    root = lxml.html.document_fromstring(html)
    body = root.body
    children = [child for child in body if isinstance(child.tag, str)]
    sections = [child for child in children if child.tag == "section"]
    if len(sections) <= per_part:
        return None
    marks = [child for child in children if _classes(child) & set(_MARK_CLASSES)]
    groups: list[list] = [[]]
    count = 0
    for child in children:
        if child in marks:
            continue
        if child.tag == "section":
            if count == per_part:
                groups.append([])
                count = 0
            count += 1
        groups[-1].append(child)
    for child in list(body):
        body.remove(child)
    head = lxml.html.tostring(root, encoding="unicode").split("<body", 1)[0]
    documents = []
    running = None
    for number, group in enumerate(groups):
        parts = [lxml.html.tostring(mark, encoding="unicode") for mark in marks]
        for position, element in enumerate(group):
            text = lxml.html.tostring(element, encoding="unicode")
            if position == 0 and number and running is not None:  # the running title from the part before
                opening = text.index(">") + 1
                text = text[:opening] + running + text[opening:]
            parts.append(text)
            found = element.find_class(_RUNNING_CLASS)
            if found:
                running = lxml.html.tostring(found[-1], encoding="unicode", with_tail=False)
        documents.append(f"{head}<body>{''.join(parts)}</body></html>")
    return documents


def _page_numbers_overlay(page_types: list[str], stylesheet_links: str) -> bytes:
    """A document of empty pages of the given page types (forms.css's named pages) whose only print is
    forms.css's page number in the bottom margin."""
    pages = "".join(f'<div style="page: {name or "auto"}; break-before: page; height: 1px"></div>'
                    for name in page_types)
    html = f"<!doctype html><html><head>{stylesheet_links}</head><body>{pages}</body></html>"
    return write(render(html)).content


def _stamp(writer, page, stamp, name: str) -> None:
    """Draw page ``stamp`` over ``page`` as a form XObject: the page's own content is kept as it is (not
    parsed again), wrapped in q … Q so that its graphics state does not reach the stamp."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    form = DecodedStreamObject()
    form.set_data(stamp.get_contents().get_data())
    form.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                 NameObject("/BBox"): stamp.mediabox,
                 NameObject("/Resources"): stamp["/Resources"].get_object().clone(writer)})
    form_ref = writer._add_object(form.flate_encode())
    resources = page["/Resources"].get_object()
    if "/XObject" not in resources:
        resources[NameObject("/XObject")] = DictionaryObject()
    xobjects = resources["/XObject"].get_object()
    xobjects[NameObject(name)] = form_ref  # the pages share their resources: one name per page

    def stream(data: bytes):
        piece = DecodedStreamObject()
        piece.set_data(data)
        return writer._add_object(piece)

    contents = page["/Contents"]
    original = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
    page[NameObject("/Contents")] = ArrayObject([stream(b"q\n"), *original, stream(b"\nQ q " + name.encode() + b" Do Q\n")])


def html_to_pdf_in_parts(html: str, *, print_date: str | None = None,
                         per_part: int = SECTIONS_PER_PART) -> Pdf:
    """``html_to_pdf`` for a long form: laid out ``per_part`` sections at a time, the parts joined."""
    import lxml.html
    from pypdf import PdfReader, PdfWriter

    documents = split_sections(html, per_part)
    if documents is None:
        return html_to_pdf(html, print_date=print_date)
    writer = PdfWriter()
    page_types = []
    for number, part in enumerate(documents):
        document = render(part, print_date=print_date, extra_css=NO_PAGE_NUMBERS_CSS)
        page_types.extend(page._page_box.page_type.name for page in document.pages)
        content = write(document).content
        del document
        reader = PdfReader(io.BytesIO(content))
        if number == 0 and reader.metadata:
            writer.add_metadata(dict(reader.metadata))
        writer.append(reader)
    links = "".join(lxml.html.tostring(link, encoding="unicode")
                    for link in lxml.html.document_fromstring(html).head.iter("link"))
    overlay = PdfReader(io.BytesIO(_page_numbers_overlay(page_types, links)))
    for number, (page, numbers) in enumerate(zip(writer.pages, overlay.pages, strict=True), start=1):
        _stamp(writer, page, numbers, f"/PageNumber{number}")
    writer.compress_identical_objects(remove_duplicates=True, remove_unreferenced=True)
    buffer = io.BytesIO()
    writer.write(buffer)
    return Pdf(content=buffer.getvalue(), pages=len(page_types))


def split_by_anchor(document, anchors: list[str]) -> dict[str, list]:
    """The pages of each part of a document whose parts each start (on a new page) at an element id.

    A part runs from the page holding its anchor to the page before the next part's anchor.
    """
    starts: dict[str, int] = {}
    for number, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor in anchors and anchor not in starts:
                starts[anchor] = number
    missing = [anchor for anchor in anchors if anchor not in starts]
    if missing:
        raise ValueError(f"anchors not found in the document: {missing}")
    ordered = sorted(anchors, key=lambda anchor: starts[anchor])
    parts = {}
    for position, anchor in enumerate(ordered):
        end = starts[ordered[position + 1]] if position + 1 < len(ordered) else len(document.pages)
        parts[anchor] = document.pages[starts[anchor]:end]
    return parts
