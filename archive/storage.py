"""The archive's files: write-once, read-only, addressed by their SHA-256 under ARCHIVE_ROOT.

A file is stored at ``objects/<first two hex digits>/<sha256><suffix>``. It is written to a
temporary name opened with "xb", flushed to disk, made read-only (0440) and only then linked to
its final name, which fails if the name exists: a half-written file never carries a final name,
and no file is ever overwritten. Storing the same bytes twice finds the first copy (and checks
it); two archived documents may then share one file, which is safe because none is ever deleted.
"""

import hashlib
import os
import uuid
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from schoolrecords.files import sha256_file  # also storage.sha256_file for the archive's callers

CHUNK = 1 << 20
# Read-only, and only for the owner and the group the web and worker users share (docs/operations.md);
# the folders likewise (0750): nobody else on the machine reads a student's record.
READ_ONLY = 0o440
FOLDER = 0o750


class StorageError(RuntimeError):
    pass


@dataclass(frozen=True)
class Stored:
    path: str  # relative to the archive root
    sha256: str
    size: int


def root() -> Path:
    return Path(settings.ARCHIVE_ROOT)


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def relative_path(sha256: str, suffix: str) -> str:
    return f"objects/{sha256[:2]}/{sha256}{suffix}"


def absolute(relative: str) -> Path:
    path = (root() / relative).resolve()
    if not path.is_relative_to(root().resolve()):
        raise StorageError(f"outside the archive: {relative}")
    return path


def put(content: bytes, *, suffix: str) -> Stored:
    """Store ``content`` write-once and return where; an existing identical file is reused."""
    sha256 = sha256_bytes(content)
    relative = relative_path(sha256, suffix)
    final = absolute(relative)
    if final.exists():
        _check_existing(final, sha256)
        return Stored(relative, sha256, len(content))
    _make_folders(final.parent)
    temporary = final.parent / f".tmp-{uuid.uuid4().hex}"
    try:
        with open(temporary, "xb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, READ_ONLY)
        try:
            os.link(temporary, final)  # atomic, and refuses an existing name
        except FileExistsError:  # another worker stored the same bytes a moment ago
            _check_existing(final, sha256)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_directory(final.parent)
    return Stored(relative, sha256, len(content))


def _make_folders(folder: Path) -> None:
    """``folder`` and any missing parent up to the archive's root, each made 0750."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder == folder.parent:
            break
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:  # another worker made it a moment ago
            continue
        os.chmod(path, FOLDER)


def _check_existing(path: Path, sha256: str) -> None:
    if sha256_file(path) != sha256:
        raise StorageError(f"{path} exists and differs from its name: the archive is damaged (run archive_verify)")


def _sync_directory(directory: Path) -> None:
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def read(relative: str) -> bytes:
    return absolute(relative).read_bytes()
