"""The pipeline's pages as issue #21 asked them to read: each field of the record marked with
the stage that needs it (read from the gates), every "still needed" item a link to its field,
the council's approval read one way, a concept started twice warned of, the concept page
without "None" and with its links, a funder's downloads, interest and review offered once,
ruled-out facilities apart from the rest, the directory filtered by country, and an endorsed
package re-optimised only once the person has said they know it returns to draft."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from recap.core.tests.test_documents import MINIMAL_PDF
from recap.pipeline.completeness import completeness
from recap.pipeline.concepts import (
    DuplicateConceptError,
    attachment_add,
    concept_share,
    concept_start,
    concept_start_blank,
    funder_message,
)
from recap.pipeline.matching import FAIL, PASS, Criterion, Match, SoftPart
from recap.pipeline.models import (
    ConceptMove,
    Facility,
    FunderMessage,
    ProjectConcept,
    Stage,
)
from recap.pipeline.reviews import review_submit
from recap.pipeline.stages import FORWARD, field_needs, needed_label
from recap.planning.models import ActionPackage
from recap.testing import World, concept_at

from .conftest import full_scores, start

pytestmark = pytest.mark.django_db


def login(client: Client, world: World, role: str) -> Client:
    client.force_login(world.users[role])
    return client


def label_of(page: str, name: str) -> str:
    """The text of the label of the record's field `name`."""
    found = re.search(rf'<label for="id_{name}">(.*?)</label>', page, flags=re.S)
    assert found is not None, name
    return found.group(1)


# ------------------------------------------------------------------ the record and its gates


def test_each_gate_field_is_named_by_the_gate_and_labelled_by_its_first_stage(
    world: World,
) -> None:
    concept = concept_start_blank(actor=world.users["editor_a"], city=world.city_a, title="X")
    for stage, moves in FORWARD.items():
        for move in moves:
            if not move.fields:
                continue
            named = {getattr(m, "field", "") for m in move.gate(concept)} - {""}
            # What the gate finds missing on an empty record is among the fields it declares,
            # and each declared field is found missing (the title is given; the council's
            # reference is asked only once its approval is).
            assert named <= set(move.fields), (stage, named - set(move.fields))
            if move.to != Stage.FINANCED:  # which stops at the first thing it lacks
                assert set(move.fields) - {"title", "council_reference"} <= named, stage
    needs = field_needs()
    assert needs["summary"] == needs["problem"] == needs["objectives"] == Stage.DRAFTED
    assert needs["plan_fit"] == Stage.SCREENED and needs["council_approval"] == Stage.SUBMITTED
    assert "scalability" not in needs and needed_label("scalability") == ""
    assert needed_label("plan_fit") == "Needed to screen"


def test_the_form_marks_fields_with_the_stage_that_needs_them(
    client: Client, world: World, package: ActionPackage
) -> None:
    concept = start(world, package)
    page = login(client, world, "editor_a").get(f"{concept.get_absolute_url()}edit/")
    body = page.content.decode()
    assert "Needed to draft" in label_of(body, "summary")
    assert "Needed to draft" in label_of(body, "objectives")
    assert "Needed to screen" in label_of(body, "plan_fit")
    assert "Needed to submit" in label_of(body, "council_approval")
    assert "(optional)" not in label_of(body, "summary")
    # A field no gate reads is still optional; the rows of money say what needs them.
    assert "(optional)" in label_of(body, "scalability")
    funding = body[body.index('id="id_funding_sources"') :].split("</legend>")[0]
    assert "Funding sources" in funding and "Needed to screen" in funding


def test_still_needed_items_link_to_their_fields_for_editors_only(
    client: Client, world: World, package: ActionPackage
) -> None:
    concept = start(world, package)
    edit = f"{concept.get_absolute_url()}edit/"
    page = login(client, world, "editor_a").get(concept.get_absolute_url()).content.decode()
    assert f'<a href="{edit}#id_summary">Short description is empty</a>' in page
    assert f'<a href="{edit}#id_problem">' in page and f'<a href="{edit}#id_objectives">' in page
    page = login(client, world, "viewer_a").get(concept.get_absolute_url()).content.decode()
    assert "Short description is empty" in page and f"{edit}#id_summary" not in page


def test_not_yet_sought_reads_as_not_given_everywhere(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "screened")
    assert concept.council_approval == ProjectConcept.Council.NONE  # the default
    record = completeness(concept, facilities["gap-fund"])
    assert ("council_approval", "Council approval (not yet sought)") in record.missing_fields
    login(client, world, "editor_a")
    page = client.get(concept.get_absolute_url()).content.decode()
    assert 'Not yet sought <span class="flag">needed to submit</span>' in page
    assert f'href="{concept.get_absolute_url()}edit/#id_council_approval"' in page
    matches = client.get(f"{concept.get_absolute_url()}matches/").content.decode()
    assert '#id_council_approval">Council approval (not yet sought)</a>' in matches
    # Given (on the agenda), it is given on every page.
    ProjectConcept.objects.filter(pk=concept.pk).update(council_approval="forthcoming")
    concept.refresh_from_db()
    assert "council_approval" not in dict(
        completeness(concept, facilities["gap-fund"]).missing_fields
    )
    page = client.get(concept.get_absolute_url()).content.decode()
    assert "needed to submit</span>" not in page


# ------------------------------------------------------------------ a concept started twice


def test_a_concept_started_twice_from_the_same_actions_is_warned_of(
    client: Client, world: World, package: ActionPackage
) -> None:
    version = package.current
    assert version is not None
    codes = list(version.selected[:2])
    url = f"/cities/kigali/workspace/concepts/from-package/{package.pk}/"
    login(client, world, "editor_a")
    first = client.post(url, {"actions": codes, "title": "Wetland corridor"})
    assert first.status_code == 302
    made = ProjectConcept.objects.get()
    # Again: nothing made, the page names the concept that covers them and asks.
    again = client.post(url, {"actions": list(reversed(codes)), "title": "Wetland corridor"})
    body = again.content.decode()
    assert again.status_code == 409
    assert "was started from exactly these actions" in body and made.reference in body
    assert f'href="{made.get_absolute_url()}"' in body
    assert 'name="duplicate_ok" value="on"' in body
    assert ProjectConcept.objects.count() == 1
    # Other actions, or a part of them, are another project: no warning.
    assert client.post(url, {"actions": codes[:1]}).status_code == 302
    assert ProjectConcept.objects.count() == 2
    # Confirmed: a second concept of the same actions.
    confirmed = client.post(url, {"actions": codes, "title": "Second", "duplicate_ok": "on"})
    assert confirmed.status_code == 302 and ProjectConcept.objects.count() == 3
    # The service says the same to a caller that does not confirm.
    with pytest.raises(DuplicateConceptError) as told:
        concept_start(actor=world.users["editor_a"], version=version, codes=codes)
    assert told.value.existing == made
    # A closed concept covers nothing any more.
    ProjectConcept.objects.filter(title__in=["Wetland corridor", "Second"]).update(
        stage=Stage.WITHDRAWN
    )
    assert concept_start(actor=world.users["editor_a"], version=version, codes=codes).pk


# ------------------------------------------------------------------ the concept's page


def test_the_concept_page_never_says_none_and_links_what_it_names(
    client: Client, world: World, package: ActionPackage, facilities: dict[str, Facility]
) -> None:
    concept = start(world, package)
    ProjectConcept.objects.filter(pk=concept.pk).update(stage=Stage.SUBMITTED)
    ConceptMove.objects.create(concept=concept, from_stage="candidate", to_stage="drafted")
    concept.refresh_from_db()
    concept_share(actor=world.users["manager"], concept=concept, facility=facilities["gap-fund"])
    for text in ("Is the land the city's?", "Who maintains it?"):
        funder_message(
            actor=world.users["funder"],
            concept=concept,
            facility=facilities["gap-fund"],
            kind="question",
            text=text,
        )
    page = login(client, world, "editor_a").get(concept.get_absolute_url()).content.decode()
    assert ">None<" not in page and "None</dd>" not in page
    assert "<dt>Operation and maintenance a year</dt><dd>Not given</dd>" in page
    assert "<dt>People with increased resilience</dt><dd>Not given</dd>" in page
    assert f'<a href="{package.get_absolute_url()}">from the package' in page
    assert 'href="#funders">Funders\' thread (2)</a>' in page
    assert 'id="funders"' in page and 'id="funder-gap-fund"' in page
    # A reviewer, who reads no city's packages, gets the words without the link.
    page = login(client, world, "reviewer").get(concept.get_absolute_url()).content.decode()
    assert "from the package" in page and f'href="{package.get_absolute_url()}"' not in page


def test_a_review_is_offered_once_then_shown_as_yours(client: Client, world: World) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    login(client, world, "reviewer")
    page = client.get(concept.get_absolute_url()).content.decode()
    assert "Review this concept" in page and "Your review" not in page
    review_submit(
        actor=world.users["reviewer"], concept=concept, scores=full_scores(), comment="Clear."
    )
    page = client.get(concept.get_absolute_url()).content.decode()
    assert "Review this concept" not in page
    assert "You reviewed this concept on" in page
    assert f'href="{concept.get_absolute_url()}review/">Your review (you can change it)' in page


# ------------------------------------------------------------------ what a funder reads


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_funder_downloads_what_is_shared_with_it_and_nothing_else(
    client: Client, world: World, facilities: dict[str, Facility], media: Path
) -> None:
    shared = concept_at(world.city_a, "Wetlands", "submitted")
    other = concept_at(world.city_a, "Not shared", "submitted")
    concept_share(actor=world.users["manager"], concept=shared, facility=facilities["gap-fund"])
    docs = {
        c.pk: attachment_add(
            actor=world.users["editor_a"],
            concept=c,
            role="council",
            title=f"Decision {c.pk}",
            data=MINIMAL_PDF,
            filename="decision.pdf",
        )
        for c in (shared, other)
    }
    login(client, world, "funder")
    page = client.get(f"/pipeline/shared/{shared.pk}/").content.decode()
    pdf_url = f"/pipeline/shared/{shared.pk}/concept-note.pdf"
    assert f'href="{pdf_url}?lang=en"' in page and f'href="{pdf_url}?lang=fr"' in page
    response = client.get(pdf_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert (
        client.get(f"/pipeline/shared/{shared.pk}/documents/{docs[shared.pk].pk}/").status_code
        == 200
    )
    # Not shared, or another concept's document through a shared one: not found.
    assert client.get(f"/pipeline/shared/{other.pk}/concept-note.pdf").status_code == 404
    assert (
        client.get(f"/pipeline/shared/{other.pk}/documents/{docs[other.pk].pk}/").status_code == 404
    )
    assert (
        client.get(f"/pipeline/shared/{shared.pk}/documents/{docs[other.pk].pk}/").status_code
        == 404
    )
    # The city's addresses of a shared concept lead to the funder's own pages; others stay 404.
    city = shared.get_absolute_url()
    assert client.get(city)["Location"] == f"/pipeline/shared/{shared.pk}/"
    assert client.get(f"{city}concept-note.pdf?lang=fr")["Location"] == f"{pdf_url}?lang=fr"
    doc = docs[shared.pk].pk
    assert (
        client.get(f"{city}documents/{doc}/")["Location"]
        == f"/pipeline/shared/{shared.pk}/documents/{doc}/"
    )
    assert client.get(other.get_absolute_url()).status_code == 404
    assert client.get(f"{other.get_absolute_url()}concept-note.pdf").status_code == 404
    # Anyone but a funder is refused the funders' download.
    assert login(client, world, "editor_b").get(pdf_url).status_code == 403


def test_interest_is_offered_until_it_is_expressed(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "submitted")
    concept_share(actor=world.users["manager"], concept=concept, facility=facilities["gap-fund"])
    url = f"/pipeline/shared/{concept.pk}/"
    login(client, world, "funder")
    page = client.get(url).content.decode()
    assert 'value="interest"' in page and "You expressed interest" not in page
    assert client.post(url, {"kind": "interest", "text": "We can help."}).status_code == 302
    page = client.get(url).content.decode()
    assert 'value="interest"' not in page and "Express interest" not in page
    assert "You expressed interest on" in page and "Your question" in page
    # Posted again by hand: refused by name, nothing written; a question still goes.
    response = client.post(url, {"kind": "interest", "text": "Again."})
    assert response.status_code == 400 and "Select a valid choice" in response.content.decode()
    assert client.post(url, {"kind": "question", "text": "When?"}).status_code == 302
    kinds = list(FunderMessage.objects.order_by("pk").values_list("kind", flat=True))
    assert kinds == ["interest", "question"]


# ------------------------------------------------------------------ facility fit


def test_a_ruled_out_facility_comes_after_those_open_whatever_its_score() -> None:
    def made(code: str, outcome: str, points: int) -> Match:
        criterion = Criterion("country", "Country", outcome, "why")
        return Match(
            Facility(code=code, name=code), [criterion], [SoftPart("s", "S", points, 100, "")]
        )

    ordered = sorted([made("out", FAIL, 70), made("in", PASS, 55)], key=lambda m: m.sort_key)
    assert [m.facility.code for m in ordered] == ["in", "out"]


def test_the_matches_page_sets_ruled_out_facilities_apart_in_words(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    concept = concept_at(world.city_a, "Wetlands", "drafted")
    page = (
        login(client, world, "editor_a")
        .get(f"{concept.get_absolute_url()}matches/")
        .content.decode()
    )
    open_part, ruled_out = page.split('id="ruled-out"')
    # Rwanda is not among C40's countries: ruled out, with the reason, without a score.
    assert 'id="c40-cff"' in ruled_out and 'id="c40-cff"' not in open_part
    c40 = ruled_out[ruled_out.index('id="c40-cff"') :].split("</section>")[0]
    assert "<strong>Ruled out:</strong> Rwanda is not among its countries" in c40
    assert "/100" not in c40 and "✗ not met" in c40
    assert 'id="gap-fund"' in open_part and "fit " in open_part
    # What is missing links to the field that fills it, for an editor.
    edit = f"{concept.get_absolute_url()}edit/"
    assert f'href="{edit}#id_preparation_stage">Say what preparation it has reached' in open_part
    assert f'href="{edit}#id_plan_fit">' in open_part
    page = (
        login(client, world, "viewer_a")
        .get(f"{concept.get_absolute_url()}matches/")
        .content.decode()
    )
    assert f"{edit}#id_" not in page and "Say what preparation it has reached" in page


# ------------------------------------------------------------------ the public directory


def test_the_directory_is_filtered_by_country(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    page = client.get("/facilities/?country=RW").content.decode()
    assert 'id="gap-fund"' in page and 'id="c40-cff"' not in page and 'id="cdia"' not in page
    assert "facilities may take projects in Rwanda" in page
    assert 'id="felicity"' in page and "to be confirmed" in page  # its countries not listed
    page = client.get("/facilities/?country=bd").content.decode()
    assert 'id="cdia"' in page and 'id="c40-cff"' not in page
    # An unknown code: everything, and said so; never an error.
    response = client.get("/facilities/?country=ZZ")
    body = response.content.decode()
    assert response.status_code == 200 and "is not in the directory" in body
    assert all(f'id="{code}"' in body for code in facilities)
    assert all(f'id="{code}"' in client.get("/facilities/").content.decode() for code in facilities)


# ------------------------------------------------------------------ "Adjust by hand"


def test_an_endorsed_package_is_reoptimised_only_once_confirmed(
    client: Client, world: World, package: ActionPackage
) -> None:
    login(client, world, "editor_a")
    page = client.get(package.get_absolute_url()).content.decode()
    assert "Re-optimise and return to draft" in page and "This package is endorsed." in page
    assert 'name="confirm_draft"' in page
    url = f"{package.get_absolute_url()}adjust/"
    response = client.post(url, {"note": "Try"}, follow=True)
    assert "Nothing was changed" in response.content.decode()
    package.refresh_from_db()
    assert package.status == ActionPackage.Status.ENDORSED and package.versions.count() == 1
    client.post(url, {"note": "Try", "confirm_draft": "1"})
    package.refresh_from_db()
    assert package.status == ActionPackage.Status.DRAFT and package.versions.count() == 2
    # A draft says nothing of the kind: its button re-optimises.
    page = client.get(package.get_absolute_url()).content.decode()
    assert "Re-optimise with these locks" in page and 'name="confirm_draft"' not in page


def test_the_funders_list_is_best_fit_first_and_follows_every_change(
    client: Client, world: World, facilities: dict[str, Facility]
) -> None:
    """The list sorts every shared concept by its match (remembered by the match's whole
    input): a concept that states its applicant sorts above one that does not, and an edit of
    a concept or of the facility's entry re-sorts it at once: nothing is kept stale."""
    from recap.pipeline.matching import ConceptFacts, match
    from recap.pipeline.selectors import shared_with_funder

    gap = facilities["gap-fund"]
    says = concept_at(world.city_a, "Says who applies", "submitted")
    ProjectConcept.objects.filter(pk=says.pk).update(applicant_type="local_government")
    silent = concept_at(world.city_b, "Says nothing", "submitted")
    for c in (silent, says):
        concept_share(actor=world.users["manager"], concept=c, facility=gap)

    def titles() -> list[str]:
        page = login(client, world, "funder").get("/pipeline/shared/").content.decode()
        return sorted(("Says who applies", "Says nothing"), key=page.index)

    def agrees() -> None:
        """The sort agrees with the full match, read afresh."""
        fresh = Facility.objects.get(pk=gap.pk)
        rows = shared_with_funder(user=world.users["funder"])
        keys = [
            match(ConceptFacts.of(ProjectConcept.objects.get(pk=r.concept_id)), fresh).sort_key
            for r in rows
        ]
        assert keys == sorted(keys)
        assert [r.match.sort_key for r in rows] == keys

    assert titles() == ["Says who applies", "Says nothing"]
    agrees()
    # The concept that said nothing now says all the facility asks: it climbs.
    ProjectConcept.objects.filter(pk=silent.pk).update(
        applicant_type="local_government",
        preparation_stage="concept",
        sector="drm",
        climate_objectives=["adaptation"],
    )
    assert titles() == ["Says nothing", "Says who applies"]
    agrees()
    # The facility no longer supports the next step it needs (pre-feasibility): it falls back,
    # read from the entry's edit at once.
    Facility.objects.filter(pk=gap.pk).update(stages_supported=["capacity"])
    assert titles() == ["Says who applies", "Says nothing"]
    agrees()
