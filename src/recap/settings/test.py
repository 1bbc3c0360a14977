"""The test suite: fast hashing, plain static storage (live_server cannot serve manifests)."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F403

SECRET_KEY = "test-only-not-secret"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DEBUG = False
if "DATABASE_URL" not in os.environ:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
TASKS = {
    "default": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": ["short", "long", "default"],
    }
}
# Documents uploaded by the tests land in a directory of the run's own, never in var/.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="recap-test-media-"))
# Placeholder publishers, clearly not real ones (the demo's, see dev.py).
RECAP_IATI_ORGANISATION = "XX-RECAP-DEMO"
RECAP_IATI_ORGANISATION_NAME = "ReCAP demo publisher (not a real organisation)"
RECAP_IATI_ORGANISATION_TYPE = "90"
RECAP_OC4IDS_PREFIX = "oc4ids-xxxxxx"
RECAP_OC4IDS_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
RECAP_OC4IDS_PUBLICATION_POLICY = "https://example.org/recap-demo/publication-policy"
