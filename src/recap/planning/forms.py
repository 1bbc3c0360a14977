from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from recap.accounts.types import Reader
from recap.catalogue.models import CandidateAction, Sector
from recap.catalogue.selectors import candidate_queryset
from recap.core.forms import WholeAmountField
from recap.engine.value import CRITERIA, DEFAULT_WEIGHTS

from .labels import CRITERION_LABELS
from .models import PrioritisationSession

LOCK_CHOICES = [
    ("", _("may be chosen")),
    ("in", _("must be in")),
    ("out", _("must be left out")),
]


class SessionForm(forms.Form):
    """A session's settings: candidates (each free, locked in or locked out), weights,
    budgets per phase, staff, the largest package and a minimum number of actions per sector.
    Rendered in fieldsets by `planning/_session_form.html`."""

    title = forms.CharField(label=_("Title"), max_length=200)
    candidates = forms.ModelMultipleChoiceField(
        label=_("Candidate actions"),
        queryset=CandidateAction.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    # At most what the database's integer column holds (over two billion dollars).
    budget_short_usd = WholeAmountField(
        label=_("Short-term budget (US$)"), min_value=0, max_value=2_147_483_647
    )
    budget_medium_usd = WholeAmountField(
        label=_("Medium-term budget (US$)"), min_value=0, max_value=2_147_483_647
    )
    staff_fte = forms.DecimalField(
        label=_("Staff capacity (FTE)"), min_value=0, max_digits=6, decimal_places=2
    )
    max_actions = forms.IntegerField(label=_("Largest package size"), min_value=1, required=False)
    weight_spread = forms.IntegerField(
        label=_("How far each weight may move (±%)"),
        min_value=5,
        max_value=95,
        initial=50,
        required=False,
        help_text=_(
            "How robust the package is: the engine re-optimises it with every weight moved at "
            "random up or down by as much as this. With two or more stakeholders' weights, "
            "they move within the stakeholders' own spread instead."
        ),
    )

    gamma_short = forms.IntegerField(
        label=_("Short-term actions that may overrun at once"),
        min_value=0,
        max_value=1000,
        initial=0,
        required=False,
        help_text=_(
            "The package must still fit the short-term budget if this many of its actions "
            "cost their highest likely cost at the same time. 0 takes the costs as given."
        ),
    )
    gamma_medium = forms.IntegerField(
        label=_("Medium-term actions that may overrun at once"),
        min_value=0,
        max_value=1000,
        initial=0,
        required=False,
        help_text=_("The same for the medium-term budget."),
    )

    overrun_correlation = forms.IntegerField(
        label=_("How far overruns of one kind move together (%)"),
        min_value=0,
        max_value=100,
        initial=0,
        required=False,
        help_text=_(
            "Actions of one reference class (buildings, civil works…) often overrun together: "
            "0 lets each overrun on its own, 100 makes them move as one. Used for the chance "
            "that the budgets hold."
        ),
    )

    cost_distribution = forms.ChoiceField(
        label=_("Shape of the cost ranges"),
        choices=[("triangular", _("Triangular")), ("pert", _("PERT (beta)"))],
        initial="triangular",
        required=False,
        help_text=_(
            "How the chance that the budgets hold draws each cost between its lowest and "
            "highest likely figure: triangular, or PERT, which keeps most draws nearer the most "
            "likely cost."
        ),
    )

    def __init__(self, *args: Any, city: Any, user: Reader, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["candidates"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        # Only the city's own candidates, as its policy shows them to this person, can be
        # chosen: another city's id is an invalid choice.
        field.queryset = candidate_queryset(user=user, city=city)
        self.city_candidates = list(field.queryset)
        for criterion in CRITERIA:
            self.fields[f"w_{criterion}"] = forms.FloatField(
                label=_("Weight: %(c)s") % {"c": CRITERION_LABELS[criterion]},
                min_value=0,
                max_value=100,
                initial=DEFAULT_WEIGHTS[criterion],
            )
        for value, label in Sector.choices:
            self.fields[f"min_{value}"] = forms.IntegerField(
                label=label, min_value=0, max_value=50, required=False, initial=0
            )
        for c in self.city_candidates:
            self.fields[f"lock_{c.pk}"] = forms.ChoiceField(
                label=_("%(code)s in the package") % {"code": c.code},
                choices=LOCK_CHOICES,
                required=False,
            )

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"w_{c}"] for c in CRITERIA]

    def sector_fields(self) -> list[forms.BoundField]:
        return [self[f"min_{value}"] for value, _label in Sector.choices]

    def candidate_rows(self) -> list[dict[str, Any]]:
        """One row per candidate: whether it is ticked, the candidate itself and its lock.

        The template writes these inputs itself rather than through the widgets' templates:
        a city with hundreds of candidates would otherwise spend most of the page's time
        rendering two small templates per candidate."""
        chosen = {str(getattr(v, "pk", v)) for v in self["candidates"].value() or []}
        rows: list[dict[str, Any]] = []
        for k, c in enumerate(self.city_candidates):
            lock = self[f"lock_{c.pk}"]
            rows.append(
                {
                    "candidate": c,
                    "box_id": f"id_candidates_{k}",
                    "checked": str(c.pk) in chosen,
                    "lock_name": lock.html_name,
                    "lock_id": lock.id_for_label,
                    "lock_label": lock.label,
                    "lock_value": lock.value() or "",
                    "lock_errors": self.errors.get(lock.name, []),
                }
            )
        return rows

    @staticmethod
    def lock_choices() -> list[tuple[str, Any]]:
        return LOCK_CHOICES

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            all(data.get(f"w_{c}") is not None for c in CRITERIA)
            and sum(data[f"w_{c}"] for c in CRITERIA) <= 0
        ):
            raise forms.ValidationError(_("At least one criterion needs a weight above 0."))
        chosen = {c.pk for c in data.get("candidates") or []}
        for c in self.city_candidates:
            if data.get(f"lock_{c.pk}") and c.pk not in chosen:
                self.add_error(
                    f"lock_{c.pk}",
                    _(
                        "%(code)s is locked but not ticked as a candidate: tick it, or let it be "
                        "chosen freely."
                    )
                    % {"code": c.code},
                )
        return data

    def session_values(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "title": d["title"],
            "weights": {c: d[f"w_{c}"] for c in CRITERIA},
            "budget_short_usd": d["budget_short_usd"],
            "budget_medium_usd": d["budget_medium_usd"],
            "staff_fte": d["staff_fte"],
            "max_actions": d["max_actions"],
            "weight_spread": d["weight_spread"] or PrioritisationSession.DEFAULT_SPREAD,
            "gamma_short": d.get("gamma_short") or 0,
            "gamma_medium": d.get("gamma_medium") or 0,
            "overrun_correlation": d.get("overrun_correlation") or 0,
            "cost_distribution": d.get("cost_distribution") or "triangular",
            "min_per_sector": {
                value: d[f"min_{value}"]
                for value, _label in Sector.choices
                if d.get(f"min_{value}")
            },
            "must_include": [c.code for c in self.city_candidates if d.get(f"lock_{c.pk}") == "in"],
            "must_exclude": [
                c.code for c in self.city_candidates if d.get(f"lock_{c.pk}") == "out"
            ],
        }

    @staticmethod
    def initial_for(session: Any) -> dict[str, Any]:
        """The form's initial values from a stored session (for changing it)."""
        codes = {c.code: c.pk for c in session.city.candidates.all()}
        return {
            "title": session.title,
            "candidates": list(session.candidates.all()),
            "budget_short_usd": session.budget_short_usd,
            "budget_medium_usd": session.budget_medium_usd,
            "staff_fte": session.staff_fte,
            "max_actions": session.max_actions,
            "weight_spread": session.weight_spread,
            "gamma_short": session.gamma_short,
            "gamma_medium": session.gamma_medium,
            "overrun_correlation": session.overrun_correlation,
            "cost_distribution": session.cost_distribution,
            # A session made before a criterion existed gave it no weight.
            **{f"w_{c}": session.weights.get(c, 0) for c in CRITERIA},
            **{f"min_{s}": n for s, n in session.min_per_sector.items()},
            **{f"lock_{codes[c]}": "in" for c in session.must_include if c in codes},
            **{f"lock_{codes[c]}": "out" for c in session.must_exclude if c in codes},
        }


class StakeholderForm(forms.Form):
    name = forms.CharField(label=_("Stakeholder"), max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[f"w_{criterion}"] = forms.FloatField(
                label=_("Weight: %(c)s") % {"c": CRITERION_LABELS[criterion]},
                min_value=0,
                max_value=100,
            )

    def weights(self) -> dict[str, float]:
        return {c: self.cleaned_data[f"w_{c}"] for c in CRITERIA}


AHP_SCALE = [
    ("9", _("extremely more important")),
    ("7", _("very strongly more important")),
    ("5", _("strongly more important")),
    ("3", _("moderately more important")),
    ("1", _("equally important")),
    ("1/3", _("moderately less important")),
    ("1/5", _("strongly less important")),
    ("1/7", _("very strongly less important")),
    ("1/9", _("extremely less important")),
]


def criterion_pairs() -> list[tuple[str, str]]:
    return [(a, b) for i, a in enumerate(CRITERIA) for b in CRITERIA[i + 1 :]]


class PairwiseForm(forms.Form):
    """AHP: for each pair of criteria, how much more important the first is than the second."""

    name = forms.CharField(label=_("Stakeholder"), max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for a, b in criterion_pairs():
            self.fields[f"p_{a}_{b}"] = forms.ChoiceField(
                label=_("%(a)s compared with %(b)s")
                % {"a": CRITERION_LABELS[a], "b": CRITERION_LABELS[b]},
                choices=AHP_SCALE,
                initial="1",
            )

    def matrix(self) -> list[list[float]]:
        index = {c: i for i, c in enumerate(CRITERIA)}
        n = len(CRITERIA)
        m = [[1.0] * n for _ in range(n)]
        for a, b in criterion_pairs():
            raw = self.cleaned_data[f"p_{a}_{b}"]
            value = 1 / float(raw[2:]) if raw.startswith("1/") else float(raw)
            m[index[a]][index[b]] = value
            m[index[b]][index[a]] = 1 / value
        return m


class SwingForm(forms.Form):
    """Swing weighting: the most important improvement scores 100, the others relative to it."""

    name = forms.CharField(label=_("Stakeholder"), max_length=120)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in CRITERIA:
            self.fields[f"s_{criterion}"] = forms.IntegerField(
                label=_("Swing points: %(c)s") % {"c": CRITERION_LABELS[criterion]},
                min_value=0,
                max_value=100,
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        points = [data.get(f"s_{c}") for c in CRITERIA]
        if all(p is not None for p in points) and max(points) != 100:  # type: ignore[type-var]
            raise forms.ValidationError(
                _("Give the most important swing 100 points and the others fewer.")
            )
        return data


class FutureForm(forms.Form):
    """A future: a name and, for each hazard of the city's register, its likelihood and impact
    in that future (starting from today's), and perhaps one hazard type the register lacks
    (`others`) with its own. Only the hazards it changes or adds are kept."""

    name = forms.CharField(
        label=_("Name of the future"),
        max_length=80,
        help_text=_("For example: a wetter, hotter 2050; a new epidemic wave."),
    )

    def __init__(
        self, *args: Any, hazards: list[Any], others: Sequence[Any] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.hazards = hazards  # the register: hazards.models.CityHazard, with its hazard
        scale = [(i, str(i)) for i in range(1, 6)]
        for entry in hazards:
            code = entry.hazard.code
            self.fields[f"likelihood__{code}"] = forms.TypedChoiceField(
                label=_("%(hazard)s: likelihood (1–5)") % {"hazard": entry.hazard.name},
                choices=scale,
                coerce=int,
                initial=entry.likelihood,
            )
            self.fields[f"impact__{code}"] = forms.TypedChoiceField(
                label=_("%(hazard)s: impact (1–5)") % {"hazard": entry.hazard.name},
                choices=scale,
                coerce=int,
                initial=entry.impact,
            )
        if others:  # hazard types the register lacks, which a future may add
            self.fields["new_hazard"] = forms.ChoiceField(
                label=_("A hazard the register lacks"),
                choices=[("", "—"), *((h.code, h.name) for h in others)],
                required=False,
                help_text=_("For example, an epidemic in a city whose register has none."),
            )
            for key, what in (("new_likelihood", _("likelihood")), ("new_impact", _("impact"))):
                self.fields[key] = forms.TypedChoiceField(
                    label=_("That hazard: %(what)s (1–5)") % {"what": what},
                    choices=[("", "—"), *scale],
                    coerce=int,
                    empty_value=None,
                    required=False,
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_hazard"):
            missing = {
                "new_likelihood": _("Give the added hazard's likelihood, from 1 to 5."),
                "new_impact": _("Give the added hazard's impact, from 1 to 5."),
            }
            for key, message in missing.items():
                if data.get(key) is None and key not in self.errors:
                    self.add_error(key, message)
        elif data.get("new_likelihood") is not None or data.get("new_impact") is not None:
            self.add_error("new_hazard", _("Choose the hazard these figures are for."))
        return data

    def changes(self) -> dict[str, tuple[int, int]]:
        """The hazards this future changes, with their likelihood and impact in it, and the
        one it adds."""
        out = {}
        for entry in self.hazards:
            code = entry.hazard.code
            pair = (
                self.cleaned_data[f"likelihood__{code}"],
                self.cleaned_data[f"impact__{code}"],
            )
            if pair != (entry.likelihood, entry.impact):
                out[code] = pair
        if added := self.cleaned_data.get("new_hazard"):
            out[added] = (self.cleaned_data["new_likelihood"], self.cleaned_data["new_impact"])
        return out
