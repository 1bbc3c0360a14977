"""The console command and the settings modules, run as a user would run them."""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from recap.accounts.models import Membership, Role, User
from recap.cities.models import City, Organisation, Programme
from recap.pipeline.models import Allocation, ProjectConcept
from recap.planning.models import PrioritisationSession
from recap.testing_time import patience
from recap.tracking.models import (
    DonorReport,
    Evidence,
    IndicatorUpdate,
    Measure,
    Participant,
    Training,
)
from recap.votes.models import Ballot, ChosenMeasure, Vote

RECAP = str(Path(sys.executable).parent / "recap")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    return subprocess.run(
        [RECAP, *args], capture_output=True, text=True, env=base | env, timeout=120, check=False
    )


def test_help_lists_recap_and_django_commands() -> None:
    result = run("--help")
    assert result.returncode == 0
    for verb in ["demo", "serve", "migrate", "createsuperuser", "compilemessages"]:
        assert verb in result.stdout
    assert "Traceback" not in result.stderr


def test_unknown_command_fails_cleanly() -> None:
    result = run("no-such-verb")
    assert result.returncode == 1
    assert "Unknown command: 'no-such-verb'" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_database_that_is_not_migrated(tmp_path: Path) -> None:
    result = run("serve", "--port", "8999", RECAP_VAR_DIR=str(tmp_path))
    assert result.returncode == 1
    assert "not up to date" in result.stderr


def test_demo_then_serve_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    result = run("demo", RECAP_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "kigali.editor" in result.stdout and "resilient-demo" in result.stdout
    assert (tmp_path / "recap.sqlite3").exists()
    with sqlite3.connect(tmp_path / "recap.sqlite3") as db:
        (mode,) = db.execute("pragma journal_mode").fetchone()
    assert mode == "wal"


@pytest.mark.django_db
def test_demo_loads_the_programme_once() -> None:
    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "Demo programme loaded" in out.getvalue()
    assert "kigali.editor" in out.getvalue() and "City editor — Kigali" in out.getvalue()
    assert set(City.objects.values_list("slug", flat=True)) == {
        "kigali",
        "musanze",
        "rajshahi",
        "sylhet",
        "sebkha",
    }
    programme = Programme.objects.get()
    assert programme.cities.count() == 5
    assert sorted(programme.countries.values_list("iso2", flat=True)) == ["BD", "MR", "RW"]
    assert Organisation.objects.filter(kind__in=Organisation.OFFICE_KINDS).count() == 25
    assert (
        Training.objects.count() == 6
        and Measure.objects.filter(vote_choices__isnull=True).count() == 5
        and ProjectConcept.objects.count() == 6
    )
    # Monitoring: attendance with knowledge checks, measures with history and a photo, a year
    # of reported values (one returned, Sebkha late), an issued report.
    assert Participant.objects.filter(score_before__isnull=False).count() > 50
    assert set(Measure.objects.values_list("city__slug", flat=True)) == {
        "kigali",
        "musanze",
        "rajshahi",
        "sebkha",
    }
    assert Evidence.objects.filter(measure__isnull=False).count() == 4
    assert IndicatorUpdate.objects.filter(status="returned").count() == 1
    assert DonorReport.objects.count() == 1
    # The pipeline's demo went through the gates: each concept at its stage, with its moves;
    # then the programme's portfolio decision supported two per country and moved on the one
    # whose gate was open (Kigali's drainage corridors, shared with the Gap Fund, presented);
    # the others wait where they are (not yet shared; no funder's interest yet).
    stages = dict(ProjectConcept.objects.values_list("reference", "stage"))
    assert stages == {
        "RW-KIGALI-001": "presented",
        "RW-KIGALI-002": "candidate",
        "RW-KIGALI-003": "submitted",
        "BD-RAJSHAHI-001": "presented",
        "BD-RAJSHAHI-002": "submitted",
        "MR-SEBKHA-001": "drafted",
    }
    decision = Allocation.objects.get()
    assert decision.result["status"] == "optimal"
    assert {c: v["supported"] for c, v in decision.result["by_country"].items()} == {
        "RW": 2,
        "BD": 2,
    }
    # Sebkha's resident vote, decided by the Method of Equal Shares: its funded projects are
    # Sebkha's measures, each with the vote as its provenance, within the vote's budget.
    vote = Vote.objects.get(city__slug="sebkha")
    chosen = ChosenMeasure.objects.filter(decision__vote=vote).select_related("project")
    vote_decision = vote.decisions.get()
    assert (vote_decision.rule, vote_decision.completion) == ("mes", "add_one")
    assert chosen.count() >= 3
    assert sum(c.project.cost for c in chosen) <= vote.budget
    assert Ballot.objects.filter(vote=vote).count() == 320
    kigali = ProjectConcept.objects.get(reference="RW-KIGALI-001")
    assert kigali.sources.count() == 2 and kigali.reviews.count() == 2
    assert kigali.shares.get().facility.organisation is not None
    users = set(User.objects.values_list("username", flat=True))
    assert {
        "admin",
        "kigali.editor",
        "kigali.viewer",
        "rajshahi.editor",
        "programme.manager",
        "funder",
        "reviewer",
    } <= users
    assert Membership.objects.filter(user__username="kigali.editor", city__slug="kigali").exists()
    assert User.objects.get(username="kigali.editor").check_password("resilient-demo")


# --reset empties the database (flush): outside a test transaction, as it runs for real.
@pytest.mark.django_db(transaction=True)
def test_demo_again_keeps_what_people_did_and_reset_starts_afresh() -> None:
    from recap.accounts.services import membership_add
    from recap.hazards.models import CityHazard

    call_command("demo", stdout=io.StringIO())
    editor = User.objects.get(username="kigali.editor")
    editor.set_password("my-own-password-2026")
    editor.save()
    kigali = City.objects.get(slug="kigali")
    coordinator = User.objects.get(username="kigali.coordinator")
    newcomer = User.objects.create_user("amina", password="another-password-2026")
    membership_add(actor=coordinator, city=kigali, user=newcomer, role=Role.CITY_EDITOR)
    CityHazard.objects.filter(city=kigali).update(evidence="Our own survey, 2026")
    sessions = PrioritisationSession.objects.count()

    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "already loaded; nothing was changed" in out.getvalue()
    editor.refresh_from_db()
    assert editor.check_password("my-own-password-2026")
    assert Membership.objects.filter(user=newcomer, city=kigali).exists()
    assert Membership.objects.filter(user=editor, city=kigali).exists()
    assert set(CityHazard.objects.filter(city=kigali).values_list("evidence", flat=True)) == {
        "Our own survey, 2026"
    }
    assert PrioritisationSession.objects.count() == sessions

    out = io.StringIO()
    call_command("demo", reset=True, stdout=out)
    assert "Emptied the database" in out.getvalue() and "Demo programme loaded" in out.getvalue()
    assert User.objects.get(username="kigali.editor").check_password("resilient-demo")
    assert not User.objects.filter(username="amina").exists()
    assert "Our own survey, 2026" not in set(CityHazard.objects.values_list("evidence", flat=True))


@pytest.mark.django_db
def test_demo_refuses_production_settings(settings: object) -> None:
    settings.SETTINGS_MODULE = "recap.settings.production"  # type: ignore[attr-defined]
    with pytest.raises(CommandError, match="Refusing to load demo users"):
        call_command("demo")


def test_production_settings_pass_the_deploy_check() -> None:
    result = run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="recap.settings.production",
        SECRET_KEY="x" * 20 + "production-secret-from-the-environment-0123456789",
        ALLOWED_HOSTS="recap.example.org",
        RECAP_SITE_URL="https://recap.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_names_a_site_address_e_mails_cannot_link_to() -> None:
    """Left at the demo's address, every link in an e-mail would lead to the server itself."""
    result = run(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="recap.settings.production",
        SECRET_KEY="x" * 20 + "production-secret-from-the-environment-0123456789",
        ALLOWED_HOSTS="recap.example.org",
        RECAP_SITE_URL="",
    )
    assert result.returncode != 0
    assert "recap.W001" in result.stdout + result.stderr
    assert "RECAP_SITE_URL" in result.stdout + result.stderr


def test_production_settings_take_the_mail_server_from_the_environment() -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "recap.settings.production",
        "SECRET_KEY": "x" * 20 + "production-secret-from-the-environment-0123456789",
        "ALLOWED_HOSTS": "recap.example.org",
        "EMAIL_HOST": "smtp.example.org",
        "EMAIL_PORT": "587",
        "EMAIL_USE_TLS": "true",
    }
    code = (
        "from django.conf import settings as s; print(s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
    )
    result = run("shell", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["smtp.example.org", "587", "True"]
    result = run("shell", "-c", code, **(env | {"EMAIL_PORT": "smtp"}))
    assert result.returncode != 0 and "EMAIL_PORT" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_need_a_secret_key() -> None:
    result = run("check", DJANGO_SETTINGS_MODULE="recap.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in the environment" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.django_db
def test_migrations_match_the_models() -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_given() -> None:
    from django.db import connection

    wanted = os.environ.get("DATABASE_URL", "sqlite")
    assert connection.vendor == ("postgresql" if wanted.startswith("postgres") else "sqlite")


def test_serve_fails_work_a_stopped_worker_left_running_then_serves(tmp_path: Path) -> None:
    import signal
    import socket
    import time
    import urllib.request

    assert run("demo", RECAP_VAR_DIR=str(tmp_path)).returncode == 0
    database = tmp_path / "recap.sqlite3"
    # As if the worker had died half-way through Kigali's run 1 (the demo's first run: Rajshahi
    # and Sebkha have a run 1 of their own).
    first_run = "(select min(id) from planning_run)"
    with sqlite3.connect(database) as db:
        db.execute(f"update planning_run set status = 'running' where id = {first_run}")  # noqa: S608
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    server = subprocess.Popen(
        [RECAP, "serve", "--port", str(port), "--workers", "1"],
        env=env | {"RECAP_VAR_DIR": str(tmp_path)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert "1 computation(s) left unfinished by a stopped worker: marked interrupted." in first
        with sqlite3.connect(database) as db:
            status, failure = db.execute(
                f"select status, failure from planning_run where id = {first_run}"  # noqa: S608
            ).fetchone()
        assert (status, failure) == ("failed", "interrupted")
        deadline = time.monotonic() + patience(30)
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as page:
                    assert page.status == 200
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("recap serve did not answer")
                time.sleep(0.2)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0  # stopped cleanly, with its worker


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["serve", "--workers", "0", "--web-workers", "0"], {}, "at least one of them more than 0"),
        (["serve", "--port", "70000"], {}, "--port must be between 1 and 65535"),
        (["serve"], {"RECAP_WORKERS": "many"}, "RECAP_WORKERS must be a whole number"),
        (["worker", "--queues", "urgent"], {}, "--queues: urgent; choose from short, long"),
    ],
)
def test_serve_and_worker_refuse_bad_options_in_one_line(
    tmp_path: Path, args: list[str], env: dict[str, str], message: str
) -> None:
    done = run(*args, RECAP_VAR_DIR=str(tmp_path), **env)
    assert done.returncode in (1, 2)
    assert message in done.stderr and "Traceback" not in done.stderr
