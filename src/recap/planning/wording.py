"""The engine's findings in the reader's language: it reports data (a reason's kind and its
figures, a consistency ratio), and this module puts them into words with gettext."""

from __future__ import annotations

from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from .labels import CRITERION_LABELS, RESOURCE_LABELS, sector_label


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
    return sentences.get(reason.get("kind", ""), sentences["value"]) % figures


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
    sentences = {
        "resource": _("the limit of %(limit)s on %(resource)s"),
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
