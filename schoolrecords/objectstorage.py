"""S3-compatible object storage (STORAGE_URL): the client, and a write-once PUT under Object Lock.

Both the archive (archive/storage.py, its S3 backend) and the backup's restore of the buckets
(schoolrecords/objectbackup.py) write sealed files through ``put_once``, which never PUTs over an
existing key: on a versioned bucket such a PUT would not destroy the locked object but would put a
newer version in front of it. It looks first, and the PUT itself is conditional (If-None-Match: *)
for a writer that raced it. Credentials come from boto3's own chain (AWS_ACCESS_KEY_ID and
AWS_SECRET_ACCESS_KEY, or the machine's role).
"""

import base64
from datetime import UTC, datetime, timedelta
from functools import lru_cache


class ObjectStorageError(RuntimeError):
    pass


@lru_cache(maxsize=8)
def _client(endpoint_url: str, region_name: str, addressing_style: str):
    import boto3
    from botocore.config import Config

    # Checksums only where we give them (ChecksumSHA256 on a sealed file): S3-compatible servers vary.
    config = Config(s3={"addressing_style": addressing_style or "auto"}, retries={"mode": "standard"},
                    request_checksum_calculation="when_required", response_checksum_validation="when_required")
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region_name or None, config=config)


def client(options: dict[str, str]):
    """The boto3 S3 client of OBJECT_STORAGE's options (settings.object_storage), one per configuration."""
    return _client(options.get("endpoint_url", ""), options.get("region_name", ""), options.get("addressing_style", ""))


def retain_until(years: int, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    try:
        return now.replace(year=now.year + years)
    except ValueError:  # 29 February, in a year that has none
        return now.replace(year=now.year + years, day=28) + timedelta(days=1)


def _status(error) -> int | None:
    return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")


def head(s3, bucket: str, key: str) -> dict | None:
    """The object's metadata, or None when there is no such key (or its current version is a delete marker)."""
    from botocore.exceptions import ClientError

    try:
        return s3.head_object(Bucket=bucket, Key=key)
    except ClientError as error:
        if _status(error) in {404, 405}:  # 405: the current version is a delete marker
            return None
        raise ObjectStorageError(f"s3://{bucket}/{key}: {error}") from error


def put_once(s3, *, bucket: str, key: str, body, sha256: str, retention_years: int) -> bool:
    """PUT ``body`` at ``key`` under Object Lock (compliance mode) unless the key exists; True if written.

    S3 checks the upload against ``sha256`` (ChecksumSHA256) and refuses a body that does not match it.
    """
    from botocore.exceptions import ClientError

    if head(s3, bucket, key) is not None:
        return False
    try:
        s3.put_object(
            Bucket=bucket, Key=key, Body=body, IfNoneMatch="*", ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode("ascii"),
            ObjectLockMode="COMPLIANCE", ObjectLockRetainUntilDate=retain_until(retention_years),
        )
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") in {"PreconditionFailed", "ConditionalRequestConflict"}:
            return False  # another writer stored it a moment ago
        raise ObjectStorageError(f"storing s3://{bucket}/{key} failed: {error}") from error
    return True
