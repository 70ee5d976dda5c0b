"""Backup and restore of the object storage's buckets (STORAGE_URL): the media bucket and the archive bucket.

A backup with object storage keeps its usual shape (schoolrecords/backup.py): ``backup_objects`` downloads
both buckets into a staging folder, which the backup then tars as media.tar and archive.tar, hashes and
lists in its MANIFEST like local folders. It runs after the database dump, for the reason the backup's
docstring gives (a file is written before the row naming it is committed, and neither store deletes a
file a committed row names). Only each key's current version is copied: the archive never writes a key
twice, and a newer version in front of a sealed one is a tampering that the backup's hash check reports.

``restore_objects`` puts the restored folders back into buckets, media as plain objects and the archive
through objectstorage.put_once (Object Lock in compliance mode, ARCHIVE_RETENTION_YEARS from the restore), and
never over an existing key: restoring twice, or into the live buckets, adds nothing and changes nothing.
"""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .backup import BackupError
from .files import sha256_file
from .objectstorage import ObjectStorageError, put_once
from .objectstorage import client as s3_client

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Copied:
    media: int  # objects copied
    archive: int
    skipped: int = 0  # already there (restore only)


@dataclass(frozen=True)
class Sources:
    """What a backup copies: the folders to tar, and what fills them after the dump (None: they are live)."""

    media_root: Path
    archive_root: Path
    fetch: Callable[[], object] | None = None


@contextmanager
def backup_sources(options: dict[str, str], *, media_root: Path, archive_root: Path, output: Path,
                   progress: Progress = lambda message: None) -> Iterator[Sources]:
    """The local folders when ``options`` is empty (no STORAGE_URL), else a staging folder beside the backups
    (``output/.objects-*``, owner only, removed afterwards) that ``fetch`` fills from the buckets."""
    if not options:
        yield Sources(Path(media_root), Path(archive_root))
        return
    Path(output).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=output, prefix=".objects-") as staging:
        staged_media, staged_archive = Path(staging) / "media", Path(staging) / "archive"
        yield Sources(staged_media, staged_archive, partial(backup_objects, options, media_root=staged_media,
                                                            archive_root=staged_archive, progress=progress))


def _keys(client, bucket: str) -> list[str]:
    keys = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys.extend(item["Key"] for item in page.get("Contents", ()))
    return keys


def _safe_target(root: Path, key: str) -> Path:
    target = (root / key).resolve()
    if key.endswith("/") or not target.is_relative_to(root.resolve()):
        raise ValueError(f"an object key that is no file name under the folder: {key!r}")
    return target


def backup_objects(options: dict[str, str], *, media_root: Path, archive_root: Path,
                   progress: Progress = lambda message: None) -> Copied:
    """Download every object of the media and archive buckets into ``media_root`` and ``archive_root``."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = s3_client(options)
    counts = []
    for bucket, root in ((options["media_bucket"], Path(media_root)), (options["archive_bucket"], Path(archive_root))):
        progress(f"downloading s3://{bucket} into {root}")
        try:
            keys = _keys(client, bucket)
            for key in keys:
                target = _safe_target(root, key)
                target.parent.mkdir(parents=True, exist_ok=True)
                client.download_file(bucket, key, str(target))
        except (BotoCoreError, ClientError, ValueError) as error:
            raise BackupError(f"Downloading s3://{bucket} failed: {error}") from error
        counts.append(len(keys))
    return Copied(media=counts[0], archive=counts[1])


def restore_objects(options: dict[str, str], *, media_root: Path, archive_root: Path, retention_years: int,
                    progress: Progress = lambda message: None) -> Copied:
    """Upload the restored ``media_root`` and ``archive_root`` into the buckets of ``options``, never over a key."""
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return _upload(s3_client(options), options, Path(media_root), Path(archive_root), retention_years, progress)
    except (BotoCoreError, ClientError, ObjectStorageError) as error:
        raise BackupError(f"Uploading the restored files into the buckets failed: {error}") from error


def _upload(client, options: dict[str, str], media_root: Path, archive_root: Path, retention_years: int,
            progress: Progress) -> Copied:
    media = archive = skipped = 0
    progress(f"uploading {media_root} into s3://{options['media_bucket']}")
    existing = set(_keys(client, options["media_bucket"]))
    for path in _files(media_root):
        key = path.relative_to(media_root).as_posix()
        if key in existing:
            skipped += 1
            continue
        client.upload_file(str(path), options["media_bucket"], key)
        media += 1
    progress(f"uploading {archive_root} into s3://{options['archive_bucket']} under Object Lock")
    for path in _files(archive_root):
        key = path.relative_to(archive_root).as_posix()
        sha256 = sha256_file(path)  # the restore checked it against the manifest: sealed bytes only
        with open(path, "rb") as handle:
            written = put_once(client, bucket=options["archive_bucket"], key=key, body=handle, sha256=sha256,
                               retention_years=retention_years)
        archive += written
        skipped += not written
    return Copied(media=media, archive=archive, skipped=skipped)


def _files(root: Path):
    for directory, directories, files in os.walk(root):
        directories.sort()
        for name in sorted(files):
            if not name.startswith(".tmp-"):  # a local archive's half-written file
                yield Path(directory) / name
