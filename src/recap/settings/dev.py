"""Local development and `make demo`: the embedded SQLite database, console e-mail."""

import os

from .base import *  # noqa: F403
from .base import local_secret_key

SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()

# Placeholders, clearly not a real publisher's, for the demo and local development: a real
# deployment sets its own in the environment (see base.py).
RECAP_IATI_ORGANISATION = os.environ.get("RECAP_IATI_ORGANISATION", "XX-RECAP-DEMO")
RECAP_IATI_ORGANISATION_NAME = os.environ.get(
    "RECAP_IATI_ORGANISATION_NAME", "ReCAP demo publisher (not a real organisation)"
)
RECAP_IATI_ORGANISATION_TYPE = os.environ.get("RECAP_IATI_ORGANISATION_TYPE", "90")
# The demo's donor, BMZ, under the IATI organisation identifier it publishes with (DE-1) and
# IATI's organisation type 10 (government).
RECAP_IATI_FUNDERS = {
    "Federal Ministry for Economic Cooperation and Development (BMZ)": ("DE-1", "10")
}
RECAP_OC4IDS_PREFIX = os.environ.get("RECAP_OC4IDS_PREFIX", "oc4ids-xxxxxx")
RECAP_OC4IDS_LICENSE = os.environ.get(
    "RECAP_OC4IDS_LICENSE", "https://creativecommons.org/licenses/by/4.0/"
)
RECAP_OC4IDS_PUBLICATION_POLICY = os.environ.get(
    "RECAP_OC4IDS_PUBLICATION_POLICY", "https://example.org/recap-demo/publication-policy"
)
