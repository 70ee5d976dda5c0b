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
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import ImproperlyConfigured


class ObjectStorageError(RuntimeError):
    pass


def parse_url(url: str) -> dict[str, str]:
    """STORAGE_URL ``s3://MEDIA_BUCKET?archive=ARCHIVE_BUCKET&endpoint=URL&region=R&addressing=path`` as options.

    Empty when the URL is: media and the archive stay in MEDIA_ROOT and ARCHIVE_ROOT. The credentials
    come from boto3's own chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or the machine's role),
    never from the URL, which would show them in every settings dump (docs/operations.md "Object storage").
    """
    if not url.strip():
        return {}
    parts = urlsplit(url.strip())
    query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
    unknown = set(query) - {"archive", "endpoint", "region", "addressing"}
    if parts.scheme != "s3" or not parts.hostname or parts.path not in {"", "/"} or unknown:
        raise ImproperlyConfigured("STORAGE_URL must read s3://MEDIA_BUCKET?archive=ARCHIVE_BUCKET&endpoint=URL"
                                   f"&region=REGION&addressing=path|virtual, not {url!r}.")
    if parts.username or parts.password:
        raise ImproperlyConfigured("STORAGE_URL must not carry credentials: set AWS_ACCESS_KEY_ID and "
                                   "AWS_SECRET_ACCESS_KEY (or use the machine's role).")
    if not query.get("archive"):
        raise ImproperlyConfigured("STORAGE_URL needs archive=ARCHIVE_BUCKET, a bucket made with Object Lock.")
    return {"media_bucket": parts.hostname, "archive_bucket": query["archive"],
            "endpoint_url": query.get("endpoint", ""), "region_name": query.get("region", ""),
            "addressing_style": query.get("addressing", "")}


def media_storage(options: dict[str, str]) -> dict:
    """The STORAGES entry that puts uploads in the media bucket, private, never overwriting a name."""
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": options["media_bucket"], "endpoint_url": options["endpoint_url"] or None,
        "region_name": options["region_name"] or None, "addressing_style": options["addressing_style"] or None,
        "default_acl": None, "querystring_auth": True, "querystring_expire": 300, "file_overwrite": False,
        "signature_version": "s3v4",
    }}


@lru_cache(maxsize=8)
def _client(endpoint_url: str, region_name: str, addressing_style: str):
    import boto3
    from botocore.config import Config

    # Checksums only where we give them (ChecksumSHA256 on a sealed file): S3-compatible servers vary.
    config = Config(s3={"addressing_style": addressing_style or "auto"}, retries={"mode": "standard"},
                    request_checksum_calculation="when_required", response_checksum_validation="when_required")
    return boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region_name or None, config=config)


def client(options: dict[str, str]):
    """The boto3 S3 client of the options ``parse_url`` gives (settings.OBJECT_STORAGE), one per configuration."""
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
