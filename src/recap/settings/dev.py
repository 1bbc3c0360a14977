"""Local development and `make demo`: the embedded SQLite database, console e-mail."""

import os

from .base import *  # noqa: F403
from .base import local_secret_key

SECRET_KEY = os.environ.get("SECRET_KEY") or local_secret_key()
