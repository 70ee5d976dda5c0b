"""The archive's files: write-once, read-only, addressed by their SHA-256, in a local folder or an S3 bucket.

A file is stored at ``objects/<first two hex digits>/<sha256><suffix>``. One interface, two backends:

- ``put(content, suffix=...)`` / ``put_file(handle, suffix=...)`` store bytes and return ``Stored(path,
  sha256, size)``; storing the same bytes twice finds the first copy (and checks it), so two archived
  documents may share one file, which is safe because none is ever deleted;
- ``read(path)`` returns the bytes after checking them against the SHA-256 in their name; ``open(path)``
  streams them (callers check first with ``digest``), ``digest(path)`` hashes them, ``exists(path)``,
  and ``paths()`` lists every stored file.

The local backend (the embedded default, ARCHIVE_ROOT) writes a temporary name opened with "xb",
flushes it to disk, makes it read-only (0440, folders 0750, both with the group ARCHIVE_GROUP when it
is set, so that the web and worker users share them and nobody else reads them) and only then links
it to its final name, which fails if the name exists: a half-written file never carries a final name
and no file is ever overwritten.

The S3 backend (STORAGE_URL with an ``archive`` bucket, docs/operations.md "Object storage") puts
each object once, under S3 Object Lock in compliance mode until ARCHIVE_RETENTION_YEARS from now, so
that not even the storage account can delete it or shorten its retention. A PUT of an existing key
would not destroy a locked object but would add a newer version in front of it, so the backend never
PUTs over a key (schoolrecords/objectstorage.py put_once). S3 checks the upload against our SHA-256
(ChecksumSHA256); ``read`` and ``digest`` check what comes back, so a newer version that someone
with the storage account put in front of a sealed file shows as changed (the sealed version stays
under its lock, and deleting the newer one brings it back).
"""

import builtins
import grp
import hashlib
import io
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

from schoolrecords import objectstorage
from schoolrecords.files import sha256_file  # also storage.sha256_file for the archive's callers

CHUNK = 1 << 20
READ_ONLY = 0o440
FOLDER = 0o750
PREFIX = "objects/"
NAME = re.compile(r"^objects/([0-9a-f]{2})/(\1[0-9a-f]{62})(\.[A-Za-z0-9]{1,10})?$")


class StorageError(RuntimeError):
    pass


@dataclass(frozen=True)
class Stored:
    path: str  # relative to the archive root (the local folder or the bucket)
    sha256: str
    size: int


def sha256_bytes(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def relative_path(sha256: str, suffix: str) -> str:
    return f"{PREFIX}{sha256[:2]}/{sha256}{suffix}"


def sha256_of_name(relative: str) -> str:
    """The SHA-256 a stored file's name promises; a name the archive would not give is refused."""
    match = NAME.match(relative)
    if not match:
        raise StorageError(f"not an archive file name: {relative}")
    return match.group(2)


def _hash_stream(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


# --- the local folder ------------------------------------------------------------------------------


class LocalBackend:
    def __init__(self, base: Path, *, group: str = ""):
        self.base = Path(base)
        self.gid = _group_id(group) if group else -1

    def describe(self) -> str:
        return str(self.base)

    def absolute(self, relative: str) -> Path:
        path = (self.base / relative).resolve()
        if not path.is_relative_to(self.base.resolve()):
            raise StorageError(f"outside the archive: {relative}")
        return path

    def exists(self, relative: str) -> bool:
        return self.absolute(relative).is_file()

    def open(self, relative: str) -> BinaryIO:
        try:
            return builtins.open(self.absolute(relative), "rb")
        except FileNotFoundError:
            raise StorageError(f"missing from the archive: {relative}") from None

    def digest(self, relative: str) -> tuple[str, int] | None:
        path = self.absolute(relative)
        if not path.is_file():
            return None
        return sha256_file(path), path.stat().st_size

    def paths(self) -> Iterator[str]:
        if self.base.exists():
            for path in self.base.rglob("*"):
                if path.is_file():
                    yield path.relative_to(self.base).as_posix()

    def store(self, relative: str, sha256: str, source) -> None:
        """Write the bytes of the binary file ``source`` (already hashed to ``sha256``) at ``relative``, once."""
        final = self.absolute(relative)
        if final.exists():
            _check(self.digest(relative), sha256, relative)
            return
        self._folders(final.parent)
        temporary = final.parent / f".tmp-{uuid.uuid4().hex}"
        try:
            with builtins.open(temporary, "xb") as handle:
                while chunk := source.read(CHUNK):
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            if self.gid != -1:
                os.chown(temporary, -1, self.gid)
            os.chmod(temporary, READ_ONLY)
            try:
                os.link(temporary, final)  # atomic, and refuses an existing name
            except FileExistsError:  # another worker stored the same bytes a moment ago
                _check(self.digest(relative), sha256, relative)
        finally:
            temporary.unlink(missing_ok=True)
        _sync_directory(final.parent)

    def _folders(self, directory: Path) -> None:
        """Make ``directory`` and the missing folders above it, up to the archive root, 0750 with the group."""
        missing = []
        while not directory.exists():
            missing.append(directory)
            directory = directory.parent
        for folder in reversed(missing):
            try:
                folder.mkdir(mode=FOLDER)
            except FileExistsError:  # made by another worker meanwhile
                continue
            if self.gid != -1:
                os.chown(folder, -1, self.gid)
            os.chmod(folder, FOLDER)  # mkdir's mode passes through the umask


def _group_id(group: str) -> int:
    if group.isdigit():
        return int(group)
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise StorageError(f"ARCHIVE_GROUP names no group on this machine: {group}") from None


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


# --- an S3 bucket under Object Lock ----------------------------------------------------------------


class S3Backend:
    def __init__(self, *, bucket: str, retention_years: int, client):
        self.bucket = bucket
        self.retention_years = retention_years
        self.client = client

    def describe(self) -> str:
        return f"s3://{self.bucket}"

    def _head(self, relative: str) -> dict | None:
        try:
            return objectstorage.head(self.client, self.bucket, relative)
        except objectstorage.ObjectStorageError as error:
            raise StorageError(str(error)) from error

    def exists(self, relative: str) -> bool:
        sha256_of_name(relative)
        return self._head(relative) is not None

    def open(self, relative: str) -> BinaryIO:
        from botocore.exceptions import ClientError

        sha256_of_name(relative)
        try:
            return self.client.get_object(Bucket=self.bucket, Key=relative)["Body"]
        except ClientError as error:
            if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in {404, 405}:
                raise StorageError(f"missing from the archive: {relative}") from None
            raise StorageError(f"{self.describe()}/{relative}: {error}") from error

    def digest(self, relative: str) -> tuple[str, int] | None:
        if not self.exists(relative):
            return None
        with self.open(relative) as body:
            return _hash_stream(body)

    def paths(self) -> Iterator[str]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=PREFIX):
            for item in page.get("Contents", ()):
                yield item["Key"]

    def store(self, relative: str, sha256: str, source) -> None:
        """Write ``source`` (already hashed to ``sha256``) at ``relative`` once, locked; check an existing one."""
        try:
            written = objectstorage.put_once(self.client, bucket=self.bucket, key=relative, body=source,
                                             sha256=sha256, retention_years=self.retention_years)
        except objectstorage.ObjectStorageError as error:
            raise StorageError(str(error)) from error
        if not written:
            _check(self.digest(relative), sha256, relative)


def s3_backend(options: dict[str, str]) -> S3Backend:
    return S3Backend(bucket=options["archive_bucket"], retention_years=settings.ARCHIVE_RETENTION_YEARS,
                     client=objectstorage.client(options))


# --- the interface the archive uses ----------------------------------------------------------------


def backend() -> LocalBackend | S3Backend:
    """The configured backend: the archive bucket of OBJECT_STORAGE when there is one, else ARCHIVE_ROOT."""
    options = getattr(settings, "OBJECT_STORAGE", None) or {}
    if options.get("archive_bucket"):
        return s3_backend(options)
    return LocalBackend(root(), group=getattr(settings, "ARCHIVE_GROUP", ""))


def root() -> Path:
    """The local archive folder (ARCHIVE_ROOT); only the local backend keeps its files there."""
    return Path(settings.ARCHIVE_ROOT)


def absolute(relative: str) -> Path:
    """The local file of ``relative`` (the local backend only: use open/read/digest to read either)."""
    return LocalBackend(root()).absolute(relative)


def _check(found: tuple[str, int] | None, sha256: str, relative: str) -> None:
    if found is None or found[0] != sha256:
        raise StorageError(f"{relative} exists and differs from its name: the archive is damaged (run archive_verify)")


def put(content: bytes, *, suffix: str) -> Stored:
    """Store ``content`` write-once and return where; an existing identical file is reused."""
    sha256 = sha256_bytes(content)
    relative = relative_path(sha256, suffix)
    backend().store(relative, sha256, io.BytesIO(content))
    return Stored(relative, sha256, len(content))


def put_file(handle, *, suffix: str) -> Stored:
    """Store the rest of the binary file ``handle`` write-once, as ``put`` does, without holding it in memory."""
    with tempfile.TemporaryFile() as spool:  # the name is the hash, known only at the end
        digest, size = hashlib.sha256(), 0
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            spool.write(chunk)
        spool.seek(0)
        sha256 = digest.hexdigest()
        relative = relative_path(sha256, suffix)
        backend().store(relative, sha256, spool)
    return Stored(relative, sha256, size)


def exists(relative: str) -> bool:
    return backend().exists(relative)


def open(relative: str) -> BinaryIO:  # the interface's word; the backends use builtins.open
    """A binary stream of the stored file; StorageError if it is missing. Check it first with ``digest``."""
    return backend().open(relative)


def read(relative: str) -> bytes:
    """The stored file's bytes, checked against the SHA-256 of its name."""
    with backend().open(relative) as handle:
        content = handle.read()
    if sha256_bytes(content) != sha256_of_name(relative):
        raise StorageError(f"{relative} differs from its name: the archive is damaged (run archive_verify)")
    return content


def digest(relative: str) -> tuple[str, int] | None:
    """The stored file's SHA-256 and size as read back now, or None when it is missing."""
    return backend().digest(relative)


def paths() -> Iterator[str]:
    """Every stored file, as paths relative to the archive root, half-written local ones included."""
    return backend().paths()
