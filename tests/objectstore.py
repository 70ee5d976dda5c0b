"""A real S3 server for the tests (moto's server mode) and the settings that point the app at it.

A plugin of tests/conftest.py, so the archive's and the document store's tests share one server
per module: ``s3`` is a boto3 client of our own (what an operator, or an intruder, with the account can
do), ``buckets`` sets STORAGE_URL as the settings read it from the environment.
"""

import logging
import os
import uuid

import boto3
import pytest

from schoolrecords import objectstorage

RETENTION_YEARS = 7


@pytest.fixture(scope="module")
def s3_endpoint():
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # a line per request otherwise
    from moto.server import ThreadedMotoServer  # heavy: only where a test asks for the server

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def credentials(monkeypatch):
    # moto takes any key; the app's code reads them from the environment as in production (boto3's chain).
    for name, value in {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret",
                        "AWS_DEFAULT_REGION": "us-east-1"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    objectstorage._client.cache_clear()
    yield
    objectstorage._client.cache_clear()


def make_buckets(s3, prefix: str = "") -> tuple[str, str]:
    media, archive = f"{prefix}media-{uuid.uuid4().hex[:12]}", f"{prefix}archive-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=media)
    s3.create_bucket(Bucket=archive, ObjectLockEnabledForBucket=True)  # Object Lock needs (and turns on) versioning
    return media, archive


@pytest.fixture
def s3(s3_endpoint, credentials):
    """A boto3 client of our own, beside the app's: what an operator (or an intruder) with the account can do."""
    return boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")


@pytest.fixture
def buckets(s3, s3_endpoint, settings):
    """STORAGE_URL set, as the settings read it from the environment: the media and archive buckets."""
    media, archive = make_buckets(s3)
    settings.STORAGE_URL = f"s3://{media}?archive={archive}&endpoint={s3_endpoint}&region=us-east-1&addressing=path"
    settings.OBJECT_STORAGE = objectstorage.parse_url(settings.STORAGE_URL)
    settings.STORAGES = {**settings.STORAGES, "default": objectstorage.media_storage(settings.OBJECT_STORAGE)}
    settings.ARCHIVE_RETENTION_YEARS = RETENTION_YEARS
    return settings.OBJECT_STORAGE
