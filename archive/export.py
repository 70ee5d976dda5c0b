"""A set of archived documents as one zip for the separate medium (seed 002: disk or DVD, sealed).

The zip holds every version of every document under <year>/<class or "school">/<file name>,
plus two manifests at its root: MANIFEST.csv (file, SHA-256, size, pages, kind, version, the
version it supersedes, who, when, the data hash) and SHA256SUMS, which ``sha256sum -c SHA256SUMS``
checks offline. It is streamed as it is built: memory stays small whatever the year's size.
PDFs are stored without recompression (they are compressed already).
"""

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator

from django.utils import timezone

from schoolrecords.text import ascii_part, safe_cell

from . import storage
from .models import ArchivedDocument

MANIFEST_COLUMNS = ["file", "sha256", "size", "pages", "kind", "term", "class", "student_code", "version",
                    "supersedes", "mode", "print_date", "made_by", "made_at", "data_hash"]


def member_name(document: ArchivedDocument) -> str:
    folder = document.school_class.name if document.school_class_id else "school"
    return "/".join(ascii_part(part, keep="_") for part in (document.year.name, folder, document.file_name))


class _Pipe(io.RawIOBase):
    """A write-only stream whose written bytes are collected for the generator to hand out."""

    def __init__(self):
        self.chunks: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        data, self.chunks = b"".join(self.chunks), []
        return data


def zip_stream(documents: Iterable[ArchivedDocument]) -> Iterator[bytes]:
    """The zip's bytes, chunk by chunk. Raises StorageError mid-way if a file is missing."""
    pipe = _Pipe()
    manifest = io.StringIO()
    # RFC 4180 line ends: then a field holding a bare \r is quoted on every Python (3.12.1 quotes
    # only the characters of the line end, 3.13 always quotes \r).
    writer = csv.writer(manifest, lineterminator="\r\n")
    writer.writerow(MANIFEST_COLUMNS)
    sums = []
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for document in documents:
            name = member_name(document)
            info = zipfile.ZipInfo(name, date_time=timezone.localtime(document.created_at).timetuple()[:6])
            info.compress_type = zipfile.ZIP_STORED
            with archive.open(info, "w", force_zip64=document.size > 2**31) as member, \
                    storage.open(document.path) as source:
                while chunk := source.read(storage.CHUNK):
                    member.write(chunk)
                    if pipe.chunks:
                        yield pipe.take()
            yield pipe.take()
            writer.writerow([
                safe_cell(name), document.sha256, document.size,
                document.pages if document.pages is not None else "", document.kind, document.term.number,
                safe_cell(document.school_class.name if document.school_class_id else ""),
                safe_cell(document.student.code if document.student_id else ""), document.version,
                safe_cell(document.supersedes.file_name if document.supersedes_id else ""), document.mode,
                document.print_date.isoformat(), safe_cell(document.created_by.get_username()),
                document.created_at.isoformat(), document.data_hash,
            ])
            sums.append(f"{document.sha256}  {name}\n")
        archive.writestr("MANIFEST.csv", "\ufeff" + manifest.getvalue())
        archive.writestr("SHA256SUMS", "".join(sums))
    yield pipe.take()


def missing_files(queryset) -> list[str]:
    """The documents of ``queryset`` whose file is not in the archive: checked before a zip starts streaming."""
    return [file_name for path, file_name in queryset.order_by().values_list("path", "file_name").iterator()
            if not storage.exists(path)]


def documents_for_zip(queryset) -> Iterable[ArchivedDocument]:
    return (queryset.select_related("year", "term", "school_class", "student", "created_by", "supersedes")
            .order_by("school_class__grade", "school_class__name", "kind", "student__code", "term__number",
                      "version", "pk"))
