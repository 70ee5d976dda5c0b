"""Files on disk, for any app: a file's SHA-256, read in chunks (the archive's seals, the backups' manifests)."""

import hashlib
from pathlib import Path

CHUNK = 1 << 20  # read a mebibyte at a time: a backup's tar files can be far larger than memory


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
