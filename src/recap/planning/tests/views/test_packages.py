"""The packages' pages (planning.views.packages)."""

from __future__ import annotations

import pytest
from django.test import Client

from recap.planning.models import PrioritisationSession
from recap.planning.packages import package_save
from recap.planning.services import (
    session_run,
)
from recap.planning.tests.conftest import base_url
from recap.testing import World

pytestmark = pytest.mark.django_db


def test_package_pages(client: Client, world: World, session: PrioritisationSession) -> None:
    from django.core import mail

    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["editor_a"])
    response = client.post(
        f"/cities/kigali/workspace/prioritisation/{session.pk}/runs/{run.number}/save/",
        {"name": "Workshop package", "rationale": "The team's reasons."},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    body = page.content.decode()
    assert "Workshop package" in body and page.context["current"].number == 1
    # The way back: its session and the run it was saved from.
    assert f'href="{session.get_absolute_url()}"' in body
    assert f'href="/cities/kigali/workspace/prioritisation/{session.pk}/runs/1/"' in body
    assert "Awaiting your endorsement" not in body  # an editor cannot endorse
    assert "Awaiting your endorsement" not in client.get("/me/").content.decode()
    # The city's coordinator is told by e-mail, and no one else.
    (message,) = mail.outbox
    assert message.to == [world.users["coordinator_a"].email]
    assert "Workshop package" in message.body and page.context["package"].get_absolute_url() in (
        message.body
    )
    pk = page.context["package"].pk
    assert (
        client.post(
            f"/cities/kigali/workspace/prioritisation/packages/{pk}/endorse/",
            {"endorsement_note": "x"},
        ).status_code
        == 403
    )
    client.force_login(world.users["coordinator_a"])
    # "My work" lists it for the coordinator, and for no one else.
    mine = client.get("/me/").content.decode()
    assert (
        "Awaiting your endorsement" in mine
        and f'href="/cities/kigali/workspace/prioritisation/packages/{pk}/"' in mine
    )
    body = client.get(f"/cities/kigali/workspace/prioritisation/packages/{pk}/").content.decode()
    # Endorsing comes first for the coordinator, before the tables.
    assert body.index("Awaiting your endorsement") < body.index("Actions by phase")
    client.post(
        f"/cities/kigali/workspace/prioritisation/packages/{pk}/endorse/",
        {"endorsement_note": "Agreed in the workshop."},
    )
    body = client.get(f"/cities/kigali/workspace/prioritisation/packages/{pk}/").content.decode()
    # Both rationales kept: the team's and the coordinator's.
    assert "Endorsed" in body and "The team&#x27;s reasons." in body
    assert "Agreed in the workshop." in body and "Awaiting your endorsement" not in body
    assert "Awaiting your endorsement" not in client.get("/me/").content.decode()
    client.force_login(world.users["editor_b"])
    assert client.get(f"/cities/kigali/workspace/prioritisation/packages/{pk}/").status_code == 404
    assert (
        client.get(f"/cities/rajshahi/workspace/prioritisation/packages/{pk}/").status_code == 404
    )


def test_an_action_is_locked_in_or_out_with_one_choice(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    run = session_run(actor=world.users["editor_a"], session=session)
    package = package_save(actor=world.users["editor_a"], run=run, name="P")
    client.force_login(world.users["editor_a"])
    url = f"/cities/kigali/workspace/prioritisation/packages/{package.pk}/"
    body = client.get(url).content.decode()
    # One menu per action: in and out cannot both be chosen.
    assert body.count('name="lock:DRM-02"') == 1 and 'name="lock_in"' not in body
    out = next(c for c in run.outcome["package"]["selected"] if c != "DRM-01")
    response = client.post(url + "adjust/", {f"lock:{out}": "out", "lock:DRM-02": ""}, follow=True)
    assert "Version 2" in response.content.decode()
    assert package.current.lock_out == [out] and package.current.lock_in == []  # type: ignore[union-attr]
    # A script posting both lists for one action is refused by name, and nothing is made.
    response = client.post(
        url + "adjust/", {"lock_in": ["DRM-02"], "lock_out": ["DRM-02"]}, follow=True
    )
    assert "cannot be locked both in and out: DRM-02" in response.content.decode()
    assert package.versions.count() == 2
    # A choice the menu does not offer is named, and nothing is made either.
    response = client.post(url + "adjust/", {"lock:DRM-02": "maybe"}, follow=True)
    assert "Choose whether DRM-02 may be chosen, must be in or must be left out." in (
        response.content.decode()
    )
    assert package.versions.count() == 2


def test_the_coordinator_is_written_to_in_the_language_they_chose_on_the_site(
    client: Client, world: World, session: PrioritisationSession
) -> None:
    from django.core import mail

    from recap.accounts.models import User

    coordinator = world.users["coordinator_a"]
    client.force_login(coordinator)
    assert "until you choose a language" in client.get("/me/").content.decode()
    client.post("/i18n/setlang/", {"language": "fr", "next": "/"})
    assert User.objects.get(pk=coordinator.pk).language == "fr"
    assert "vous parviennent en français" in client.get("/me/").content.decode()
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})  # not one of the site's
    assert User.objects.get(pk=coordinator.pk).language == "fr"
    # The editor works in English; the coordinator reads French.
    run = session_run(actor=world.users["editor_a"], session=session)
    client.force_login(world.users["editor_a"])
    client.post(base_url(session) + f"runs/{run.number}/save/", {"name": "P"})
    (message,) = mail.outbox
    assert message.subject == "Kigali : un paquet d'actions attend votre approbation"
    assert "attend votre approbation" in message.body
    # Signed out, switching language remembers nothing for anyone.
    client.logout()
    assert client.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert User.objects.get(pk=coordinator.pk).language == "fr"
