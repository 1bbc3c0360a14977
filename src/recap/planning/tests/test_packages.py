"""Packages (planning.packages): saved from a run, adjusted by hand with robustness of their
own, endorsed, and refusing what does not fit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import translation

from recap.planning.models import PrioritisationSession, RobustnessJob
from recap.planning.packages import package_save
from recap.planning.services import (
    session_run,
)
from recap.planning.tasks import robustness_execute, run_execute
from recap.testing import DATABASE_QUEUE, World

pytestmark = pytest.mark.django_db


def test_package_save_adjust_version_and_endorse(
    world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import ActionPackage
    from recap.planning.packages import package_adjust, package_endorse

    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Kigali package 2026")
    first = package.current
    assert first is not None and first.selected == run.result["package"]["selected"]
    out = first.selected[-1] if first.selected[-1] != "DRM-01" else first.selected[0]
    version = package_adjust(
        actor=world.users["editor_a"],
        package=package,
        lock_in=[],
        lock_out=[out],
        note="No land yet",
    )
    assert version.number == 2 and out not in version.selected and "DRM-01" in version.selected
    assert version.objective <= first.objective + 1e-9  # locking something out cannot add value
    with pytest.raises(ValidationError, match="both in and out"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=["HLT-01"], lock_out=["HLT-01"]
        )
    with pytest.raises(ValidationError, match="cannot all hold together"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=[], lock_out=["DRM-01"]
        )
    with pytest.raises(PermissionDenied):
        package_endorse(actor=world.users["editor_a"], package=package, note="Because")
    with pytest.raises(ValidationError):
        package_endorse(actor=world.users["coordinator_a"], package=package, note="  ")
    package_endorse(
        actor=world.users["coordinator_a"], package=package, note="Best value for the budget."
    )
    package.refresh_from_db()
    assert (package.status, package.endorsed_by) == (
        ActionPackage.Status.ENDORSED,
        world.users["coordinator_a"],
    )
    # Adjusting an endorsed package makes a new draft version.
    package_adjust(actor=world.users["editor_a"], package=package, lock_in=["HLT-01"], lock_out=[])
    package.refresh_from_db()
    assert package.status == ActionPackage.Status.DRAFT and package.versions.count() == 3
    # A French-speaking team reads the clash in French.

    with translation.override("fr"), pytest.raises(ValidationError, match="ne peuvent pas toutes"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=[], lock_out=["DRM-01"]
        )


def test_a_hand_adjusted_version_gets_robustness_of_its_own(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    import io

    from openpyxl import load_workbook
    from pypdf import PdfReader

    from recap.planning.packages import package_adjust, package_save
    from recap.planning.report import package_pdf, package_xlsx, report_context

    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="Adjusted")
    context = report_context(package, user=world.users["viewer_a"])["robustness"]
    assert (context["adjusted"], context["locked"]) == (False, False)
    # Saved as run: the package shows the run's robustness, no second computation.
    assert not RobustnessJob.objects.filter(version__isnull=False).exists()
    client.force_login(world.users["viewer_a"])
    page = client.get(package.get_absolute_url()).content.decode()
    assert "This version is the optimal package of run 1" in page

    out = next(c for c in run.outcome["package"]["selected"] if c != "DRM-01")
    version = package_adjust(
        actor=world.users["editor_a"], package=package, lock_in=["DRM-01"], lock_out=[out]
    )
    # The adjusted version was re-optimised 200 times with its locks held.
    job = RobustnessJob.objects.get(version=version)
    assert job.status == "done" and job.run == run
    probs = job.result["selection_probability"]
    assert (probs["DRM-01"], probs[out]) == (1.0, 0.0)
    assert RobustnessJob.objects.filter(version=None, run=run).count() == 1  # the run's own
    context = report_context(package, user=world.users["viewer_a"])["robustness"]
    assert (context["adjusted"], context["locked"]) == (False, True)
    assert context["shares"]["DRM-01"] == 1.0  # locked in: in every sample
    # Locked out: never chosen, so neither in the package's shares nor among the contenders.
    assert out not in context["shares"]
    assert out not in {r["code"] for r in context["contenders"] + context["doubtful"]}
    pdf = package_pdf(package, user=world.users["viewer_a"])
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "as adjusted by hand: the actions locked in or out stayed so" in text
    page = client.get(package.get_absolute_url()).content.decode()
    assert f"For version {version.number} as adjusted by hand" in page
    assert "The package itself came out in" in page

    # Until the version's own robustness is done, the run's stands in, and the report says so.
    job.status = "running"
    job.save()
    context = report_context(package, user=world.users["viewer_a"])["robustness"]
    assert (context["adjusted"], context["locked"], context["run"]) == (True, False, 1)
    pdf = package_pdf(package, user=world.users["viewer_a"])
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "this version was adjusted by hand" in text
    status = package.get_absolute_url() + "robustness/status/"
    partial = client.get(status).content.decode()
    assert f'hx-get="{status}"' in partial and "re-optimisations done" in partial

    # A failed computation can be started again from the package, by an editor only.
    job.status, job.failure = "failed", "error"
    job.save()
    start = package.get_absolute_url() + "robustness/"
    assert "Compute robustness" not in client.get(status).content.decode()  # the viewer
    assert client.post(start).status_code == 403
    assert RobustnessJob.objects.filter(version=version).count() == 1
    client.force_login(world.users["editor_a"])
    assert "Compute robustness again" in client.get(status).content.decode()
    client.post(start)
    assert RobustnessJob.objects.filter(version=version).latest("pk").status == "done"
    client.force_login(world.users["editor_b"])  # another city's editor: no such package
    assert client.post(start).status_code == 404
    assert RobustnessJob.objects.filter(version=version).count() == 2

    # The spreadsheet says whose shares they are.
    book = load_workbook(io.BytesIO(package_xlsx(package)))
    bases = {r[4].value for r in book["Robustness"].iter_rows(min_row=2)}
    assert bases == {f"version {version.number}, locks held"}
    # In the language asked for (`?lang=fr` on the page), as every document is.
    french = load_workbook(io.BytesIO(package_xlsx(package, language="fr")))
    said = {r[2].value for r in french["Robustness"].iter_rows(min_row=2)}
    assert said and said <= {"oui", "non"}
    client.force_login(world.users["viewer_a"])
    page = client.get(
        reverse("planning:package_xlsx", kwargs={"slug": package.city.slug, "pk": package.pk})
        + "?lang=fr"
    )
    assert page.status_code == 200
    assert f'-package-{package.pk}-fr.xlsx"' in page["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(page.content))["Robustness"]
    said = {r[2].value for r in sheet.iter_rows(min_row=2)}
    assert said and said <= {"oui", "non"}


@override_settings(TASKS=DATABASE_QUEUE)
def test_versions_share_robustness_by_locks_and_superseded_work_leaves_the_queue(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.packages import package_adjust, package_save

    editor = world.users["editor_a"]
    run = session_run(actor=editor, session=session)
    run_execute(run)
    package = package_save(actor=editor, run=run, name="Adjusted")
    chosen = [c for c in run.outcome["package"]["selected"] if c != "DRM-01"]
    v2 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[0]])
    v3 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[1]])
    # v2's job was still waiting when v3 replaced it: dropped, nobody would read it.
    assert not RobustnessJob.objects.filter(version=v2).exists()
    assert list(RobustnessJob.objects.filter(version__isnull=False)) == [
        RobustnessJob.objects.get(version=v3, status="queued")
    ]
    robustness_execute(RobustnessJob.objects.get(version=v3))
    # Back to v2's locks: a new version, but the same question. Then v3's locks again:
    # answered already, so nothing is queued and the page shows v3's finished job.
    v4 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[0]])
    assert RobustnessJob.objects.get(version=v4).status == "queued"
    v5 = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[chosen[1]])
    assert not RobustnessJob.objects.filter(version=v5).exists()
    assert not RobustnessJob.objects.filter(version=v4).exists()  # superseded while queued
    client.force_login(world.users["viewer_a"])
    page = client.get(package.get_absolute_url()).content.decode()
    assert f"For version {v5.number} as adjusted by hand" in page
    assert "The package itself came out in" in page
    assert RobustnessJob.objects.filter(version__isnull=False).count() == 1


def test_a_version_adjusted_before_it_had_robustness_shows_the_runs_saying_so(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.packages import package_adjust, package_save

    editor = world.users["editor_a"]
    run = session_run(actor=editor, session=session)
    package = package_save(actor=editor, run=run, name="Older")
    out = next(c for c in run.outcome["package"]["selected"] if c != "DRM-01")
    version = package_adjust(actor=editor, package=package, lock_in=[], lock_out=[out])
    RobustnessJob.objects.filter(version=version).delete()  # as if made before this existed
    client.force_login(world.users["viewer_a"])
    page = client.get(package.get_absolute_url()).content.decode()
    assert "These shares are for the optimal package of run 1; this version was adjusted" in page
    assert "The package itself came out in" in page
    assert "Compute robustness for this version" not in page
    client.force_login(editor)
    page = client.get(package.get_absolute_url()).content.decode()
    assert "Compute robustness for this version" in page
    client.post(package.get_absolute_url() + "robustness/")
    assert RobustnessJob.objects.get(version=version).status == "done"
    page = client.get(package.get_absolute_url()).content.decode()
    assert f"For version {version.number} as adjusted by hand" in page


def test_overlong_names_rationales_and_notes_are_refused_not_cut(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from recap.planning.models import ActionPackage
    from recap.planning.packages import package_adjust, package_endorse

    run = session_run(actor=world.users["editor_a"], session=session)
    with pytest.raises(ValidationError, match="at most 200 characters"):
        package_save(actor=world.users["editor_a"], run=run, name="N" * 201)
    client.force_login(world.users["editor_a"])
    page = client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/1/save/",
        {"name": "Fine", "rationale": "R" * 5001},
        follow=True,
    ).content.decode()
    assert "Keep it to 5000 characters (it has 5001)" in page
    assert not ActionPackage.objects.exists()
    package = package_save(
        actor=world.users["editor_a"], run=run, name="Fine", rationale="R" * 5000
    )
    with pytest.raises(ValidationError, match="Keep the note to 300 characters"):
        package_adjust(
            actor=world.users["editor_a"], package=package, lock_in=[], lock_out=[], note="x" * 301
        )
    with pytest.raises(ValidationError, match="Keep it to 5000 characters"):
        package_endorse(actor=world.users["coordinator_a"], package=package, note="R" * 5001)
    package.refresh_from_db()
    assert package.versions.count() == 1 and package.status == "draft"
    assert package.rationale == "R" * 5000


def test_a_robustness_job_is_read_one_way() -> None:
    """Its findings, typed, or nothing while it has none."""
    from recap.planning.models import RobustnessJob
    from recap.planning.readouts import robustness_readout

    assert robustness_readout(None) is None
    assert robustness_readout(RobustnessJob(result=None)) is None
    found = robustness_readout(
        RobustnessJob(
            result={
                "selection_probability": {"WAT-01": 1, "HLT-02": 0.25},
                "base_package_share": 0.6,
                "distinct_packages": 4,
            }
        )
    )
    assert found is not None
    assert found.selection_probability == {"WAT-01": 1.0, "HLT-02": 0.25}
    assert (found.base_package_share, found.distinct_packages) == (0.6, 4)
