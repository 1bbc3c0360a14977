"""The WSGI module loads every view and puts what lives as long as the process out of the
garbage collector's reach (see `recap.wsgi`): checked in a fresh interpreter, as gunicorn's
worker starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_the_wsgi_application_freezes_what_lives_long() -> None:
    code = (
        "import gc, json, sys\n"
        "before = gc.get_freeze_count()\n"
        "import recap.wsgi\n"
        "print(json.dumps({'before': before, 'after': gc.get_freeze_count(),"
        " 'views': 'recap.pipeline.views.programme' in sys.modules,"
        " 'charts': 'matplotlib.backends.backend_svg' in sys.modules,"
        " 'callable': callable(recap.wsgi.application)}))\n"
    )
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "recap.settings.test"}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["before"] == 0 and found["callable"]
    assert found["views"]  # the URL patterns were read: every view module is imported
    assert found["charts"]  # and matplotlib, which a first chart would otherwise wait for
    assert found["after"] > 50_000  # Django's and ReCAP's modules, classes and patterns
