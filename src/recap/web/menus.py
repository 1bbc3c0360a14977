"""The header's role menus: a programme's manager or reviewer, and a funder, reach the pages of
their work from every page (before, they found them only by typing addresses). A menu takes the
place of the header's public link of the same name ("Programme", "Funders"), whose page it
keeps as its first entry, so that the header stays one line.

Who sees what is read from the same answers the pages' own policies use
(`accounts.access.programme_ids`, `funder_organisation_ids`, `funder_facility_ids`), so a link
is offered exactly when its page opens: the authorization matrix and `web/tests/test_menus.py`
check the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from recap.accounts.access import funder_organisation_ids, programme_ids
from recap.accounts.models import Role
from recap.accounts.types import Reader
from recap.pipeline.policies import funder_facility_ids


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url: str
    #: The namespaced URL names (app:name) under which this link is the page being read.
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Menu:
    key: str
    label: str | Promise
    links: list[Link] = field(default_factory=list)

    def current(self, name: str) -> Link | None:
        return next((link for link in self.links if name in link.names), None)


def _programme_menu(manages: bool) -> Menu:
    links = [
        Link(_("Overview"), reverse("web:home"), ("web:home",)),
        Link(_("Pipeline board"), reverse("board:board"), ("board:board",)),
        Link(
            _("Portfolio decisions"),
            reverse("board:allocations"),
            ("board:allocations", "board:allocation"),
        ),
        Link(_("Results"), reverse("results:dashboard"), ("results:dashboard",)),
        *(
            # The cities' plans side by side: the manager's, who may read each city's plan.
            [Link(_("Implementation plans"), reverse("plans:overview"), ("plans:overview",))]
            if manages
            else []
        ),
        Link(_("Results framework"), reverse("results:framework"), ("results:framework",)),
        Link(
            _("Trainings"),
            reverse("results:trainings"),
            ("results:trainings", "results:training"),
        ),
        Link(_("Reports"), reverse("results:reports"), ("results:reports",)),
        Link(
            _("Lessons to publish") if manages else _("Lessons submitted"),
            reverse("lessons:programme"),
            ("lessons:programme",),
        ),
    ]
    return Menu("programme", _("Programme"), links)


def _funder_menu(has_facility: bool) -> Menu:
    return Menu(
        "funder",
        _("Funders"),
        [
            Link(
                _("Concepts shared with me"),
                reverse("board:shared"),
                ("board:shared", "board:shared_detail"),
            ),
            *(
                # Their facility's pot: for a funder who speaks for a facility.
                [
                    Link(
                        _("Portfolio decisions"),
                        reverse("board:facility_home"),
                        (
                            "board:facility_home",
                            "board:facility_allocations",
                            "board:facility_allocation",
                        ),
                    )
                ]
                if has_facility
                else []
            ),
            Link(_("Funding facilities"), reverse("pipeline:facilities"), ("pipeline:facilities",)),
        ],
    )


def menus_for(user: Reader) -> list[Menu]:
    """The role menus `user` gets in the header, in a fixed order; none for a visitor or a
    person whose only roles are a city's (the city's pages are under "My work")."""
    if not user.is_authenticated or not user.is_active:
        return []
    menus = []
    managed = programme_ids(user, Role.PROGRAMME_MANAGER)
    reviewed = programme_ids(user, Role.REVIEWER)
    if managed is None or managed or reviewed:
        menus.append(_programme_menu(manages=managed is None or bool(managed)))
    if funder_organisation_ids(user):
        menus.append(_funder_menu(has_facility=bool(funder_facility_ids(user))))
    return menus
