"""The engine's findings in the reader's language: it reports data (a reason's kind and its
figures, a consistency ratio), and this module puts them into words with gettext."""

from __future__ import annotations

import math
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .labels import CRITERION_LABELS, RESOURCE_LABELS, sector_label
from .models import PrioritisationSession


def _amount(x: float) -> str:
    return number_format(
        round(x, 2),
        decimal_pos=0 if float(x).is_integer() else 2,
        use_l10n=True,
        force_grouping=True,
    )


def _sentences() -> dict[str, str]:
    return {
        "locked_out": _("it is locked out of the package"),
        "resource": _("%(resource)s: it needs %(need)s but only %(left)s of %(limit)s is left"),
        "resource_worst_case": _(
            "%(resource)s: if the actions most likely to overrun do, it needs %(need)s but only "
            "%(left)s of %(limit)s is left"
        ),
        "excludes": _("it excludes %(action)s, which is in the package"),
        "excluded_by": _("%(action)s in the package excludes it"),
        "requires_locked_out": _("it needs %(action)s, which is locked out"),
        "max_actions": _(
            "the package already has the largest allowed number of actions (%(limit)s)"
        ),
        "value": _("its value does not justify what it would displace"),
    }


def kept_out_reason(reason: dict[str, Any]) -> str:
    """One constraint that keeps an action out of the package, in words."""
    figures = {k: _amount(x) if isinstance(x, float) else x for k, x in reason.items()}
    if "resource" in figures:
        figures["resource"] = RESOURCE_LABELS.get(reason["resource"], reason["resource"])
    sentences = _sentences()
    kind = reason.get("kind", "")
    if kind == "resource" and reason.get("worst_case"):
        kind = "resource_worst_case"
    return sentences.get(kind, sentences["value"]) % figures


def kept_out_text(why: dict[str, Any]) -> str:
    """All the reasons an action is out, joined; runs stored before reasons were data fall
    back to the engine's English sentences."""
    if "kept_out_because" in why:
        return "; ".join(kept_out_reason(r) for r in why["kept_out_because"])
    return "; ".join(why.get("kept_out_by", []))


def _conflict_part(group: dict[str, Any]) -> str:
    """One of the clashing constraints the engine names (its `conflict` data), in words."""
    kind = group.get("kind", "")
    figures: dict[str, Any] = dict(group)
    if kind == "resource":
        figures["limit"] = _amount(group["limit"])
        figures["resource"] = RESOURCE_LABELS.get(group["resource"], group["resource"])
    elif kind == "excludes":
        figures["a"], figures["b"] = group["actions"][:2]
    elif kind == "sector":
        figures["sector"] = sector_label(group["sector"])
    if kind == "resource" and group.get("worst_case"):
        kind = "resource_worst_case"
    sentences = {
        "resource": _("the limit of %(limit)s on %(resource)s"),
        "resource_worst_case": _(
            "the limit of %(limit)s on %(resource)s if %(gamma)s of the package's actions "
            "overrun at once"
        ),
        "requires": _("%(action)s needs %(requires)s"),
        "excludes": _("%(a)s and %(b)s exclude each other"),
        "sector": _("at least %(minimum)s action(s) in %(sector)s"),
        "max_actions": _("at most %(maximum)s actions"),
        "must_include": _("%(action)s must be in the package"),
        "must_exclude": _("%(action)s must be left out"),
    }
    return sentences[kind] % figures if kind in sentences else str(group.get("text", kind))


def conflict_text(conflict: list[dict[str, Any]] | None, fallback: str = "") -> str:
    """Why no package can meet the constraints: the smallest set of them that clash."""
    if conflict is None:
        return fallback
    parts = [_conflict_part(g) for g in conflict]
    if not parts:
        return _("No package meets every constraint.")
    if len(parts) == 1:
        return _("This constraint cannot be met: %(c)s.") % {"c": parts[0]}
    return _("These constraints cannot all hold together: %(c)s.") % {"c": "; ".join(parts)}


def cannot_text(code: str, why: dict[str, Any]) -> str:
    """Why an action can be neither left out nor added, whatever else changes: the clash its
    own forcing exposes, without that forcing (runs stored before the clash was data fall back
    to the engine's sentence)."""
    for key, own in (("cannot_add", "must_include"), ("cannot_remove", "must_exclude")):
        if key not in why:
            continue
        conflict = why.get(f"{key}_conflict")
        if conflict is None:
            return str(why[key])
        others = [g for g in conflict if not (g.get("kind") == own and g.get("action") == code)]
        if key == "cannot_add":
            needs = {
                r["resource"]: r["need"]
                for r in why.get("kept_out_because", [])
                if r.get("kind") == "resource"
            }
            if len(others) == 1 and others[0].get("kind") == "resource":
                group = others[0]
                if group["resource"] in needs:
                    return _(
                        "It fits in no package: it needs %(need)s, more than the whole "
                        "%(resource)s (%(limit)s)."
                    ) % {
                        "need": _amount(needs[group["resource"]]),
                        "resource": RESOURCE_LABELS.get(group["resource"], group["resource"]),
                        "limit": _amount(group["limit"]),
                    }
            return _("It fits in no package: with it, these cannot all hold: %(c)s.") % {
                "c": "; ".join(_conflict_part(g) for g in others)
            }
        return _("It cannot be left out: without it, these cannot all hold: %(c)s.") % {
            "c": "; ".join(_conflict_part(g) for g in others)
        }
    return ""


def status_text(package: dict[str, Any]) -> str:
    """What the engine's status means for the package shown (infeasible: see conflict_text)."""
    status = package.get("status")
    if status == "optimal":
        return _(
            "Proven optimal: no other package that meets every constraint has a higher total value."
        )
    if status == "feasible":
        return _(
            "The best package found in the time allowed: at most %(gap)s below the best "
            "possible value."
        ) % {"gap": f"{number_format(100 * package.get('gap', 1.0), 2, use_l10n=True)} %"}
    if status == "infeasible":
        return conflict_text(package.get("conflict"), package.get("reason", ""))
    if status == "no_solution":
        return _("Time ran out before any package was found.")
    return _(
        "The solver failed before finding a package: run again, and report a problem if it "
        "happens again."
    )


def weights_moved_text(run_input: dict[str, Any]) -> str:
    """How robustness moved a run's weights: within the stakeholders' spread (two or more of
    them), or each weight by up to the session's ±spread."""
    people = run_input.get("stakeholders") or {}
    if len(people) >= 2:
        return _(
            "The weights moved within the stakeholders' spread: each sample is a random blend "
            "of the %(n)s stakeholders' own weightings."
        ) % {"n": len(people)}
    # Runs stored before the setting existed used the default.
    spread = run_input.get("weight_spread", PrioritisationSession.DEFAULT_SPREAD / 100)
    return _(
        "Every weight moved at random by up to ±%(spread)s%% of the one used (set on the session)."
    ) % {"spread": round(100 * spread)}


def consistency_advice(out: dict[str, Any]) -> str:
    """What AHP's consistency ratio means for the person who answered, in plain words."""
    if out["consistent"]:
        return _("The comparisons are consistent enough to use.")
    pair = out.get("least_consistent_pair") or []
    text = _(
        "The comparisons contradict each other (consistency ratio %(cr)s, above 0.10): for "
        "example A is preferred to B and B to C, but C to A. Revisit the strongest judgements."
    ) % {"cr": number_format(out["consistency_ratio"], decimal_pos=2, use_l10n=True)}
    if len(pair) == 2:
        text += " " + _("Start with %(a)s against %(b)s: it fits the others least.") % {
            "a": CRITERION_LABELS.get(pair[0], pair[0]),
            "b": CRITERION_LABELS.get(pair[1], pair[1]),
        }
    return text


def constraints_summary(session: Any) -> list[str]:
    """The session's constraints beyond the budgets, one phrase each, for its page."""
    parts = []
    if session.max_actions:
        parts.append(_("at most %(n)s actions") % {"n": session.max_actions})
    if session.min_per_sector:
        parts.append(
            _("at least %(list)s")
            % {
                "list": ", ".join(
                    f"{n} × {sector_label(s)}" for s, n in sorted(session.min_per_sector.items())
                )
            }
        )
    if session.must_include:
        parts.append(_("must be in: %(list)s") % {"list": ", ".join(session.must_include)})
    if session.must_exclude:
        parts.append(_("must be left out: %(list)s") % {"list": ", ".join(session.must_exclude)})
    return parts


def bounds_text(why: dict[str, Any]) -> str:
    """An explanation the time did not allow, as the interval the engine proved for it
    (`engine.bounds`): what removing a chosen action would lose, or what forcing a left-out one
    in would cost; empty when the exact figure is there, or nothing was proven."""
    wordings = {
        "loss_if_removed_between": (
            _("Removing it would lose at least %(low)s of value."),
            _("Removing it would lose between %(low)s and %(high)s of value."),
        ),
        "cost_to_include_between": (
            _("Forcing it in would cost at least %(low)s of value."),
            _("Forcing it in would cost between %(low)s and %(high)s of value."),
        ),
    }
    key = next((k for k in wordings if k in why), None)
    if key is None:
        return ""
    low, high = why[key]
    text = wordings[key][0 if high is None else 1]
    # Rounded outwards, so the interval read still holds what was proven.
    figures = {
        "low": number_format(math.floor(low * 10) / 10, 1),
        "high": number_format(math.ceil((high or 0) * 10) / 10, 1),
    }
    return (text % figures) + " " + _("(Proven bounds: the exact figure took longer than allowed.)")
