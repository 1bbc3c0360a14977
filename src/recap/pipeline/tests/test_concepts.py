"""Concepts: started from an endorsed package by reference, moved through gated, audited stages,
shared with facilities and answered by funders, seen by whom they may be."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from recap.accounts.models import AuditEvent
from recap.catalogue.candidates import candidate_update
from recap.catalogue.models import CandidateAction
from recap.pipeline.concepts import (
    city_reply,
    concept_move,
    concept_save,
    concept_share,
    concept_start,
    concept_start_blank,
    funder_message,
)
from recap.pipeline.models import ConceptMove, Facility, FunderMessage, ProjectConcept, Stage
from recap.pipeline.money import concept_money
from recap.pipeline.policies import is_reviewer_for, project_concept_policy
from recap.pipeline.record import concept_hazards, concept_sectors, source_lines
from recap.pipeline.selectors import concepts_submitted_per_country
from recap.planning.models import ActionPackage
from recap.planning.packages import package_adjust
from recap.testing import World

from .conftest import fill, reviewed, start

pytestmark = pytest.mark.django_db


def test_a_concept_from_a_package_reads_its_actions(world: World, package: ActionPackage) -> None:
    version = package.current
    assert version is not None
    code = version.selected[0]
    concept = start(world, package)
    candidate = CandidateAction.objects.get(city=world.city_a, code=code)
    assert concept.stage == Stage.CANDIDATE
    assert concept.reference == "RW-KIGALI-001"
    assert concept.title == candidate.title
    assert concept.package_version == version and not concept.is_blank_start
    # Nothing typed twice: the sector, the hazards and the cost come from the action.
    assert concept.sector == "" and concept.hazards == []
    assert concept_sectors(concept)[0] == candidate.sectors[0]
    # The action's hazards that are in the city's register (here: flash floods only).
    addressed = {h for h, v in candidate.hazards.items() if v}
    assert len(addressed) > 1 and "flood_flash" in addressed
    assert concept_hazards(concept) == ["flood_flash"]
    assert concept_money(concept).total == candidate.local_cost_usd
    [line] = source_lines(concept)
    assert line.cost_in_run == candidate.local_cost_usd and not line.cost_changed
    assert line.value_in_run is not None and 0 < line.value_in_run <= 100
    # Its co-benefits come along too, those rated above 0, by name.
    assert dict(line.co_benefits) == {
        label: getattr(candidate, name)
        for name, label in [
            ("economy", "economy and jobs"),
            ("equity", "equity"),
            ("mitigation", "climate mitigation"),
            ("adaptation", "adaptation"),
            ("health", "health"),
        ]
        if getattr(candidate, name)
    }
    assert ConceptMove.objects.get(concept=concept).to_stage == Stage.CANDIDATE
    assert AuditEvent.objects.filter(verb="concept.start", target_id=str(concept.pk)).exists()


def test_a_cost_changed_on_the_action_shows_on_the_concept_with_its_history(
    world: World, package: ActionPackage
) -> None:
    concept = start(world, package)
    candidate = concept.sources.get().candidate
    old = candidate.local_cost_usd
    candidate_update(actor=world.users["editor_a"], candidate=candidate, local_cost_usd=old + 1234)
    candidate_update(actor=world.users["editor_a"], candidate=candidate, title="Renamed action")
    concept = ProjectConcept.objects.get(pk=concept.pk)
    assert concept_money(concept).total == old + 1234
    [line] = source_lines(concept)
    assert line.title == "Renamed action"
    assert line.cost_now == old + 1234 and line.cost_in_run == old and line.cost_changed
    [change] = line.history  # the title change is not a cost change
    assert (change.before, change.after) == (old, old + 1234)
    # A total typed on the concept takes precedence, and says so.
    concept_save(actor=world.users["editor_a"], concept=concept, values={"total_cost": 5})
    money = concept_money(ProjectConcept.objects.get(pk=concept.pk))
    assert money.total == 5 and not money.from_actions


def test_starting_a_concept_is_refused_where_it_should_be(
    world: World, package: ActionPackage
) -> None:
    version = package.current
    assert version is not None
    first = version.selected[0]
    with pytest.raises(PermissionDenied):
        concept_start(actor=world.users["viewer_a"], version=version, codes=[first])
    with pytest.raises(PermissionDenied):
        concept_start(actor=world.users["editor_b"], version=version, codes=[first])
    with pytest.raises(ValidationError, match="at least one action"):
        concept_start(actor=world.users["editor_a"], version=version, codes=[])
    outside = CandidateAction.objects.filter(city=world.city_a).exclude(code__in=version.selected)
    stray = outside.first()
    assert stray is not None
    with pytest.raises(ValidationError, match=f"Not in this package: {stray.code}"):
        concept_start(actor=world.users["editor_a"], version=version, codes=[stray.code])
    # A package adjusted after endorsement is a draft again: its actions start nothing.
    out = next(c for c in version.selected if c != "DRM-01")  # DRM-01 must be in
    package_adjust(actor=world.users["editor_a"], package=package, lock_in=[], lock_out=[out])
    package = ActionPackage.objects.get(pk=package.pk)
    assert package.status == "draft"
    with pytest.raises(ValidationError, match="endorsed package"):
        concept_start(
            actor=world.users["editor_a"],
            version=package.current,  # type: ignore[arg-type]
            codes=package.current.selected[:1],  # type: ignore[union-attr]
        )
    assert not ProjectConcept.objects.exists()


def test_a_blank_concept_says_so(world: World) -> None:
    concept = concept_start_blank(actor=world.users["editor_a"], city=world.city_a, title="Kiosks")
    assert concept.is_blank_start and concept.stage == Stage.CANDIDATE
    assert concept_money(concept).total == 0
    with pytest.raises(ValidationError):
        concept_start_blank(actor=world.users["editor_a"], city=world.city_a, title="  ")
    with pytest.raises(PermissionDenied):
        concept_start_blank(actor=world.users["manager"], city=world.city_a, title="Kiosks")


def _message(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(exc.value.messages)


def test_every_gate_names_what_is_missing(
    world: World, package: ActionPackage, facilities: dict[str, Facility]
) -> None:
    editor, coordinator, manager = (
        world.users[k] for k in ("editor_a", "coordinator_a", "manager")
    )
    concept = start(world, package)

    # Candidate -> drafted: the substance.
    with pytest.raises(ValidationError) as exc:
        concept_move(actor=editor, concept=concept, to=Stage.DRAFTED)
    assert "Short description is empty" in _message(
        exc
    ) and "Problem addressed is empty" in _message(exc)
    assert "Main sector" not in _message(exc)  # read from the action
    concept_save(
        actor=editor,
        concept=concept,
        values={"summary": "S", "problem": "P", "objectives": "O"},
    )
    concept = concept_move(actor=editor, concept=concept, to=Stage.DRAFTED)

    # Drafted -> screened: the programme's manager only, and the rest of the record.
    with pytest.raises(PermissionDenied, match="programme's manager"):
        concept_move(actor=coordinator, concept=concept, to=Stage.SCREENED)
    with pytest.raises(ValidationError) as exc:
        concept_move(actor=manager, concept=concept, to=Stage.SCREENED)
    assert "Applicant organisation is empty" in _message(exc)
    assert "no funding source is listed" in _message(exc)
    fill(world, concept)
    with pytest.raises(ValidationError, match="2 reviews are needed"):
        concept_move(actor=manager, concept=concept, to=Stage.SCREENED, reason="Strong.")
    reviewed(world, concept)
    with pytest.raises(ValidationError, match="Say why"):
        concept_move(actor=manager, concept=concept, to=Stage.SCREENED)
    concept = concept_move(actor=manager, concept=concept, to=Stage.SCREENED, reason="Strong.")
    assert concept.decisions.get().decision == "accept"

    # Screened -> submitted: the city's coordinator, with council approval.
    with pytest.raises(PermissionDenied):
        concept_move(actor=editor, concept=concept, to=Stage.SUBMITTED)
    with pytest.raises(ValidationError) as exc:
        concept_move(actor=coordinator, concept=concept, to=Stage.SUBMITTED)
    assert "council approval is needed before submission" in _message(exc)
    concept_save(
        actor=editor,
        concept=concept,
        values={"council_approval": "forthcoming", "preparation_stage": "concept"},
    )
    with pytest.raises(ValidationError, match="council decision's reference"):
        concept_move(actor=coordinator, concept=concept, to=Stage.SUBMITTED)
    concept_save(
        actor=editor, concept=concept, values={"council_reference": "On 12 March's agenda"}
    )
    concept = concept_move(actor=coordinator, concept=concept, to=Stage.SUBMITTED)
    assert concept.submitted_on is not None

    # Submitted -> presented: shared with a facility first.
    with pytest.raises(ValidationError, match="not been shared"):
        concept_move(actor=manager, concept=concept, to=Stage.PRESENTED)
    concept_share(actor=manager, concept=concept, facility=facilities["gap-fund"])
    concept = concept_move(actor=manager, concept=concept, to=Stage.PRESENTED)

    # Presented -> preparation: a facility has expressed interest.
    with pytest.raises(ValidationError, match="expressed interest"):
        concept_move(actor=manager, concept=concept, to=Stage.PREPARATION)
    funder_message(
        actor=world.users["funder"],
        concept=concept,
        facility=facilities["gap-fund"],
        kind="interest",
        text="We can prepare the pre-feasibility study.",
    )
    concept = concept_move(actor=manager, concept=concept, to=Stage.PREPARATION)

    # Preparation -> financed: the whole cost secured.
    with pytest.raises(ValidationError, match="is not yet secured"):
        concept_move(actor=manager, concept=concept, to=Stage.FINANCED)
    total = concept_money(concept).total
    fill(
        world,
        concept,
        rows={
            "funding_sources": [
                {"kind": "own", "name": "City", "amount": 50_000, "status": "secured"},
                {"kind": "grant", "name": "Donor", "amount": total - 50_000, "status": "committed"},
            ]
        },
    )
    concept = concept_move(actor=manager, concept=concept, to=Stage.FINANCED)
    concept = concept_move(actor=coordinator, concept=concept, to=Stage.COMPLETED)
    assert concept.stage == Stage.COMPLETED
    with pytest.raises(ValidationError, match="cannot move"):
        concept_move(actor=manager, concept=concept, to=Stage.CANCELLED)

    # Every move recorded with who made it.
    moves = list(
        ConceptMove.objects.filter(concept=concept).values_list("to_stage", "actor__username")
    )
    assert moves == [
        ("candidate", "editor_a"),
        ("drafted", "editor_a"),
        ("screened", "manager"),
        ("submitted", "coordinator_a"),
        ("presented", "manager"),
        ("preparation", "manager"),
        ("financed", "manager"),
        ("completed", "coordinator_a"),
    ]
    assert AuditEvent.objects.filter(verb="concept.move", target_id=str(concept.pk)).count() == 7


def test_side_states_need_a_reason_and_the_right_person(
    world: World, package: ActionPackage
) -> None:
    editor, coordinator, manager = (
        world.users[k] for k in ("editor_a", "coordinator_a", "manager")
    )
    concept = start(world, package)
    with pytest.raises(ValidationError, match="cannot move"):
        concept_move(actor=manager, concept=concept, to=Stage.FINANCED)  # no skipping
    with pytest.raises(ValidationError, match="Say why"):
        concept_move(actor=coordinator, concept=concept, to=Stage.ON_HOLD)
    with pytest.raises(ValidationError, match="500"):
        concept_move(actor=coordinator, concept=concept, to=Stage.ON_HOLD, reason="x" * 501)
    with pytest.raises(PermissionDenied):
        concept_move(actor=editor, concept=concept, to=Stage.ON_HOLD, reason="Elections")
    concept = concept_move(actor=coordinator, concept=concept, to=Stage.ON_HOLD, reason="Elections")
    assert concept.held_from == Stage.CANDIDATE
    # Resuming goes back where it was.
    concept = concept_move(actor=manager, concept=concept, to=Stage.CANDIDATE)
    assert concept.stage == Stage.CANDIDATE and concept.held_from == ""
    # Rejecting is the programme's; withdrawing the city's coordinator's.
    with pytest.raises(PermissionDenied):
        concept_move(actor=manager, concept=concept, to=Stage.WITHDRAWN, reason="No")
    concept = concept_move(actor=coordinator, concept=concept, to=Stage.WITHDRAWN, reason="Merged")
    with pytest.raises(ValidationError, match="closed"):
        concept_save(actor=editor, concept=concept, values={"title": "Again"})
    last = ConceptMove.objects.filter(concept=concept).last()
    assert last is not None and last.reason == "Merged" and last.actor == coordinator


def test_resuming_checks_the_gate_again(world: World, package: ActionPackage) -> None:
    editor, coordinator = world.users["editor_a"], world.users["coordinator_a"]
    concept = start(world, package)
    concept_save(
        actor=editor, concept=concept, values={"summary": "S", "problem": "P", "objectives": "O"}
    )
    concept = concept_move(actor=editor, concept=concept, to=Stage.DRAFTED)
    concept = concept_move(actor=coordinator, concept=concept, to=Stage.ON_HOLD, reason="Wait")
    concept_save(actor=editor, concept=concept, values={"problem": ""})
    with pytest.raises(ValidationError, match="Problem addressed is empty"):
        concept_move(actor=coordinator, concept=concept, to=Stage.DRAFTED)


def test_the_public_figure_counts_moves_to_submitted(world: World) -> None:
    from recap.testing import concept_at

    concept_at(world.city_a, "A", "submitted")
    concept_at(world.city_a, "B", "financed")
    concept_at(world.city_a, "C", "screened")  # not yet submitted
    concept_at(world.city_b, "D", "withdrawn")  # submitted, then taken back
    rejected = concept_at(world.city_b, "E", "submitted")
    ProjectConcept.objects.filter(pk=rejected.pk).update(stage=Stage.REJECTED)
    assert concepts_submitted_per_country(city_ids=[world.city_a.pk, world.city_b.pk]) == {
        world.country_a.pk: 2,
        world.country_b.pk: 1,  # rejected after submission: it was submitted
    }


def test_who_sees_a_concept(world: World, facilities: dict[str, Facility]) -> None:
    from recap.testing import concept_at

    candidate = concept_at(world.city_a, "Idea", "candidate")
    drafted = concept_at(world.city_a, "Draft", "drafted")
    submitted = concept_at(world.city_a, "Submitted", "submitted")
    other = concept_at(world.city_b, "Rajshahi's", "drafted")

    def seen(role: str) -> set[str]:
        return set(
            project_concept_policy.queryset(world.users[role]).values_list("title", flat=True)
        )

    assert seen("viewer_a") == {"Idea", "Draft", "Submitted"}
    assert seen("editor_b") == {"Rajshahi's"}
    assert seen("manager") == {"Idea", "Draft", "Submitted", "Rajshahi's"}
    # Reviewers: drafted on, never their own city's.
    assert seen("reviewer") == {"Draft", "Submitted", "Rajshahi's"}
    # A reviewer who is also Kigali's viewer reads Kigali's as its viewer, but is not its
    # reviewer: she reviews Rajshahi's only.
    assert seen("reviewer_a") == {"Idea", "Draft", "Submitted", "Rajshahi's"}
    assert not is_reviewer_for(world.users["reviewer_a"], world.city_a.pk)
    assert is_reviewer_for(world.users["reviewer_a"], world.city_b.pk)
    assert is_reviewer_for(world.users["reviewer"], world.city_a.pk)
    assert not is_reviewer_for(world.users["manager"], world.city_a.pk)
    # Funders: only what was shared with their facility, and never once withdrawn.
    assert seen("funder") == set()
    concept_share(actor=world.users["manager"], concept=submitted, facility=facilities["gap-fund"])
    concept_share(actor=world.users["manager"], concept=submitted, facility=facilities["cdia"])
    assert seen("funder") == {"Submitted"}
    ProjectConcept.objects.filter(pk=submitted.pk).update(stage=Stage.WITHDRAWN)
    assert seen("funder") == set()
    # Only a submitted concept can be shared.
    with pytest.raises(ValidationError, match="submitted"):
        concept_share(
            actor=world.users["manager"], concept=drafted, facility=facilities["gap-fund"]
        )
    assert candidate and other


def test_funders_write_only_where_shared_and_the_city_answers(
    world: World, facilities: dict[str, Facility]
) -> None:
    from recap.testing import concept_at

    concept = concept_at(world.city_a, "Wetlands", "submitted")
    gap, cdia = facilities["gap-fund"], facilities["cdia"]
    with pytest.raises(PermissionDenied):  # not shared yet
        funder_message(
            actor=world.users["funder"], concept=concept, facility=gap, kind="question", text="?"
        )
    concept_share(actor=world.users["coordinator_a"], concept=concept, facility=gap)
    concept_share(actor=world.users["coordinator_a"], concept=concept, facility=cdia)
    with pytest.raises(PermissionDenied):  # shared with CDIA, but she does not speak for it
        funder_message(
            actor=world.users["funder"], concept=concept, facility=cdia, kind="interest", text="!"
        )
    with pytest.raises(PermissionDenied):
        funder_message(
            actor=world.users["editor_a"], concept=concept, facility=gap, kind="question", text="?"
        )
    with pytest.raises(ValidationError, match="Write something"):
        funder_message(
            actor=world.users["funder"], concept=concept, facility=gap, kind="question", text=" "
        )
    with pytest.raises(ValidationError, match="2000"):
        funder_message(
            actor=world.users["funder"],
            concept=concept,
            facility=gap,
            kind="question",
            text="x" * 2001,
        )
    with pytest.raises(ValidationError):
        funder_message(
            actor=world.users["funder"], concept=concept, facility=gap, kind="reply", text="Hi"
        )
    with pytest.raises(ValidationError, match="has not written"):
        city_reply(actor=world.users["editor_a"], concept=concept, facility=gap, text="Hello?")
    funder_message(
        actor=world.users["funder"], concept=concept, facility=gap, kind="question", text="Land?"
    )
    first = funder_message(
        actor=world.users["funder"], concept=concept, facility=gap, kind="interest", text="Keen"
    )
    again = funder_message(
        actor=world.users["funder"], concept=concept, facility=gap, kind="interest", text="Keen"
    )
    assert first.pk == again.pk  # one expression of interest per facility
    with pytest.raises(PermissionDenied):
        city_reply(actor=world.users["viewer_a"], concept=concept, facility=gap, text="Yes")
    city_reply(
        actor=world.users["editor_a"], concept=concept, facility=gap, text="The land is the city's."
    )
    assert list(FunderMessage.objects.filter(concept=concept).values_list("kind", flat=True)) == [
        "question",
        "interest",
        "reply",
    ]


def test_concept_record_checks_its_lists(world: World) -> None:
    concept = concept_start_blank(actor=world.users["editor_a"], city=world.city_a, title="Kiosks")
    with pytest.raises(ValidationError, match="two sub-sectors"):
        concept_save(
            actor=world.users["editor_a"],
            concept=concept,
            values={"sub_sectors": ["health", "energy", "food"]},
        )
    with pytest.raises(ValidationError):
        concept_save(
            actor=world.users["editor_a"],
            concept=concept,
            values={"climate_objectives": ["cooling"]},
        )
    with pytest.raises(ValidationError):
        concept_save(
            actor=world.users["editor_a"],
            concept=concept,
            values={},
            rows={
                "funding_sources": [{"kind": "own", "name": "", "amount": 5, "status": "secured"}]
            },
        )
    assert not concept.funding_sources.exists()
    with pytest.raises(PermissionDenied):
        concept_save(actor=world.users["editor_b"], concept=concept, values={"title": "Mine"})


def test_a_cost_changed_through_the_candidate_page_keeps_its_history(
    client: Client, world: World, package: ActionPackage
) -> None:
    """The edit page's form writes the new values onto the object before the service records
    them: the history must still hold what was stored before."""
    from django.contrib.humanize.templatetags.humanize import intcomma

    from recap.catalogue.candidate_forms import CandidateForm

    concept = start(world, package)
    candidate = concept.sources.get().candidate
    old, old_title = candidate.local_cost_usd, candidate.title
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/candidates/{candidate.pk}/edit/"
    form = CandidateForm(instance=candidate, city=world.city_a)
    data = {
        name: value
        for name, field in form.fields.items()
        if (value := form.initial.get(name, field.initial)) is not None
    }
    data |= {"local_cost_usd": str(old + 5000), "title": "Channels, widened"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.filter(verb="candidate.update").latest("pk")
    assert event.detail["changes"] == {
        "local_cost_usd": [str(old), str(old + 5000)],
        "title": [old_title, "Channels, widened"],
    }
    [line] = source_lines(ProjectConcept.objects.get(pk=concept.pk))
    [change] = line.history
    assert (change.before, change.after) == (old, old + 5000)
    page = client.get(f"/cities/kigali/workspace/concepts/{concept.pk}/").content.decode()
    assert f"{intcomma(old)} → {intcomma(old + 5000)}" in page
