"""The error summary every page shows above its content when a form was sent back: a box,
"There is a problem", with one link per invalid field (to the field's id) and the form's own
errors, after the GOV.UK design system's pattern. `forms.js` moves the focus to it on load,
so a person who pressed Save at the bottom of a long record hears and sees what to fix first,
rather than a page reloaded at its top with the error 5,000 px down.

`{% error_summary %}` (in `base.html`) reads the forms from the page's context, so no page can
forget it: a form, a formset, or a list or tuple of them (`[(formset, "Studies done"), ...]`:
a string beside a formset names its rows). Only bound forms with errors count, so on a page
with several forms the summary covers the one that failed. `{% error_summary form other %}`
names the forms instead. `{% error_title_prefix %}` puts "Error: " before the page's title.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django import forms, template
from django.forms.formsets import BaseFormSet
from django.utils.functional import Promise
from django.utils.translation import gettext as _

register = template.Library()

# How deep into lists and tuples of the context the summary looks for forms: a list of
# (formset, title) pairs is two levels.
_DEPTH = 2


@dataclass(frozen=True)
class Problem:
    """One line of the summary: its text, and the id of the field it links to ("" for none)."""

    text: str
    target: str = ""

    def __str__(self) -> str:
        return self.text


def _found(value: Any, title: str, depth: int) -> Iterator[tuple[Any, str]]:
    # `type()`, not `isinstance()`: a lazy object in the context (the CSRF token, the user)
    # must not be evaluated to be looked at, and a queryset is never iterated.
    kind = type(value)
    if issubclass(kind, (forms.BaseForm, BaseFormSet)):
        yield value, title
    elif issubclass(kind, (list, tuple)) and depth > 0:
        if issubclass(kind, tuple):  # (formset, "Studies done"): the string names the rows
            title = next((str(v) for v in value if issubclass(type(v), (str, Promise))), title)
        for item in value:
            yield from _found(item, title, depth - 1)


def _forms(values: Iterable[Any]) -> list[tuple[Any, str]]:
    seen: set[int] = set()
    out = []
    for value in values:
        for form, title in _found(value, "", _DEPTH):
            if id(form) not in seen and form.is_bound:
                seen.add(id(form))
                out.append((form, title))
    return out


def field_target(field: forms.BoundField) -> str:
    """The id a link to the field goes to: its input, or a group's first box or radio button
    (a group's label names no single input)."""
    if field.id_for_label:
        return str(field.id_for_label)
    if not field.auto_id:
        return ""
    if getattr(field.field.widget, "input_type", "") in ("radio", "checkbox"):
        widgets = field.subwidgets
        return str(widgets[0].id_for_label) if widgets else ""
    return str(field.auto_id)


def _first_target(form: forms.BaseForm) -> str:
    visible = form.visible_fields()
    return field_target(visible[0]) if visible else ""


def _form_problems(form: forms.BaseForm, where: str = "") -> list[Problem]:
    if not form.errors:
        return []
    first = _first_target(form)
    out = [
        Problem(
            _("%(where)s: %(error)s") % {"where": where, "error": e} if where else str(e), first
        )
        for e in form.non_field_errors()
    ]
    for name in form.fields:
        field = form[name]
        label = (
            _("%(where)s, %(label)s") % {"where": where, "label": field.label}
            if where
            else str(field.label)
        )
        target = "" if field.is_hidden else field_target(field)
        out.extend(
            Problem(_("%(label)s — %(error)s") % {"label": label, "error": e}, target)
            for e in field.errors
        )
    return out


def _formset_problems(formset: BaseFormSet, title: str) -> list[Problem]:  # type: ignore[type-arg]
    if formset.is_valid():
        return []
    rows = list(formset.forms)
    first = _first_target(rows[0]) if rows else ""
    out = [
        Problem(
            _("%(where)s: %(error)s") % {"where": title, "error": e} if title else str(e), first
        )
        for e in formset.non_form_errors()
    ]
    for number, row in enumerate(rows, start=1):
        if formset.can_delete and getattr(row, "cleaned_data", {}).get("DELETE"):
            continue  # a row ticked for deletion is not saved, so its errors do not count
        where = (
            _("%(rows)s, row %(n)s") % {"rows": title, "n": number}
            if title
            else _("Row %(n)s") % {"n": number}
        )
        out.extend(_form_problems(row, where))
    return out


def form_problems(*values: Any) -> list[Problem]:
    """Every error of the bound forms and formsets among `values` (which may nest them in lists
    and tuples), in the order of the page: each form's own errors, then its fields'."""
    out: list[Problem] = []
    for form, title in _forms(values):
        if isinstance(form, BaseFormSet):
            out.extend(_formset_problems(form, title))
        else:
            out.extend(_form_problems(form))
    return out


def _context_values(context: template.Context) -> list[Any]:
    return list(context.flatten().values())


@register.inclusion_tag("includes/_error_summary.html", takes_context=True)
def error_summary(context: template.Context, *named: Any) -> dict[str, Any]:
    return {"problems": form_problems(*(named or _context_values(context)))}


@register.simple_tag(takes_context=True)
def error_title_prefix(context: template.Context) -> str:
    """ "Error: " when the page sends a form back, so the title says so first (what a screen
    reader reads when the page loads, and what the tab shows)."""
    failed = any(
        (not f.is_valid()) if isinstance(f, BaseFormSet) else bool(f.errors)
        for f, _title in _forms(_context_values(context))
    )
    return _("Error: ") if failed else ""
