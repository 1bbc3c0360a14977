"""The WSGI application (gunicorn serves `recap.wsgi`).

Once the application is loaded, every view and its URLs imported, the objects that live as long
as the process (modules, classes, URL patterns, settings) are moved out of the garbage
collector's reach (`gc.freeze`). Without this, each full collection walks them all: about
140 ms, three times in twenty requests to the programme's heavier pages at a network's scale,
which is what a slow request was (`benchmarks.load`; measured in one process: 434 ms of full
collections in 20 requests before, 50 ms after). Objects made by requests are collected as
before.
"""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

from recap.core import charts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recap.settings.dev")
application = get_wsgi_application()


def freeze_what_lives_long() -> int:
    """Imports every view (through the URL patterns) and the chart drawing (otherwise the
    first request that draws a chart waits about a second for matplotlib), collects once, and
    freezes what is left; returns how many objects are now frozen."""
    get_resolver().url_patterns  # noqa: B018 - imports every URL module and its views
    charts.preload()
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


freeze_what_lives_long()
