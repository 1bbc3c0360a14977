"""Forms that help: the error summary (`{% error_summary %}`), the field include's messages
(a file to attach again, "(optional)" said once) and the date pickers every date field gets."""

from __future__ import annotations

import datetime
import importlib
import pkgutil
import re
from typing import Any

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.forms import formset_factory
from django.template import Context, Template
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject

import recap
from recap.core.forms import DatePickerInput, DateTimePickerInput
from recap.core.templatetags.form_errors import Problem, form_problems


class Visit(forms.Form):
    name = forms.CharField(label="Name")
    kind = forms.ChoiceField(
        label="Kind", choices=[("a", "A"), ("b", "B")], widget=forms.RadioSelect
    )
    on = forms.DateField(label="Visited on", required=False)
    photo = forms.FileField(label="Photo", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("name") == "twice":
            raise forms.ValidationError("This visit was already recorded.")
        return data


class Row(forms.Form):
    item = forms.CharField(label="Item")


Rows = formset_factory(Row, extra=0, can_delete=True)


def _summary(**context: Any) -> str:
    return Template("{% load form_errors %}{% error_summary %}").render(Context(context))


def test_a_failed_form_lists_each_field_with_a_link_to_it() -> None:
    form = Visit({"name": "", "on": "31 March"})
    problems = form_problems(form)
    assert Problem("Name — This field is required.", "id_name") in problems
    # A radio group links to its first button (its label names no single input).
    assert Problem("Kind — This field is required.", "id_kind_0") in problems
    assert Problem("Visited on — Enter a valid date.", "id_on") in problems
    html = _summary(form=form)
    assert "There is a problem" in html and 'href="#id_name"' in html
    assert 'tabindex="-1"' in html and "data-error-summary" in html


def test_a_forms_own_error_links_to_its_first_field() -> None:
    form = Visit({"name": "twice", "kind": "a"})
    assert form_problems(form) == [Problem("This visit was already recorded.", "id_name")]


def test_a_clean_page_has_no_summary() -> None:
    assert _summary(form=Visit()).strip() == ""  # not sent
    valid = Visit({"name": "Kigali", "kind": "a"})
    assert valid.is_valid() and _summary(form=valid).strip() == ""
    assert _summary(things=[1, 2], text="a").strip() == ""


def test_of_several_forms_only_the_failed_one_is_summarised() -> None:
    failed = Visit({"name": ""}, prefix="second")
    html = _summary(first=Visit(prefix="first"), second=failed)
    assert 'href="#id_second-name"' in html and "id_first-name" not in html


def test_formset_rows_are_named_by_the_title_beside_them_and_deleted_rows_do_not_count() -> None:
    data = {
        "rows-TOTAL_FORMS": "3",
        "rows-INITIAL_FORMS": "0",
        "rows-0-item": "ok",
        "rows-1-item": "",
        "rows-2-item": "",
        "rows-2-DELETE": "on",
    }
    formset = Rows(data, prefix="rows")
    for row in formset.forms:
        row.empty_permitted = False  # blank rows must count, as a required row would
    assert form_problems([(formset, "Studies done")]) == [
        Problem("Studies done, row 2, Item — This field is required.", "id_rows-1-item")
    ]
    assert form_problems(formset) == [
        Problem("Row 2, Item — This field is required.", "id_rows-1-item")
    ]


def test_lazy_things_in_the_context_are_not_evaluated() -> None:
    def boom() -> Any:
        raise AssertionError("evaluated")

    html = _summary(form=Visit({"name": ""}), lazy=SimpleLazyObject(boom))
    assert "There is a problem" in html


def test_the_title_says_error_first() -> None:
    template = Template("{% load form_errors %}{% error_title_prefix %}Visit")
    assert template.render(Context({"form": Visit({})})) == "Error: Visit"
    assert template.render(Context({"form": Visit()})) == "Visit"


def test_a_file_sent_with_a_failed_form_must_be_attached_again() -> None:
    photo = SimpleUploadedFile("wetland.jpg", b"...", content_type="image/jpeg")
    failed = Visit({"name": ""}, {"photo": photo})
    html = render_to_string("includes/_form.html", {"form": failed})
    assert "Attach wetland.jpg again: files are not kept when a form is sent back." in html
    # Nothing to say when the form went through, was never sent, or had no file.
    photo.seek(0)
    assert "again" not in render_to_string("includes/_form.html", {"form": Visit()})
    assert "again" not in render_to_string("includes/_form.html", {"form": Visit({"name": ""})})


def test_field_errors_are_tied_to_their_input_and_said_once() -> None:
    html = render_to_string("includes/_form.html", {"form": Visit({"name": ""})})
    assert 'id="id_name_error"' in html
    assert re.search(r'<input[^>]*aria-invalid="true"[^>]*aria-describedby="id_name_error"', html)
    # A group is a fieldset named by its legend, described by its error.
    assert (
        '<fieldset class="field field-group field-invalid" aria-describedby="id_kind_error">'
        in html
    )
    assert "<legend>Kind</legend>" in html
    # Optional fields say so once.
    assert html.count("(optional)") == 2  # the date and the photo


def test_date_fields_are_pickers_with_iso_values_in_every_language() -> None:
    form = Visit(initial={"on": datetime.date(2026, 3, 31)})
    for language in ("en", "fr"):
        with translation.override(language):
            html = str(form["on"])
            assert 'type="date"' in html and 'value="2026-03-31"' in html
            assert Visit({"name": "a", "kind": "a", "on": "2026-03-31"}).is_valid()


def test_model_form_and_datetime_fields_get_pickers_too() -> None:
    from recap.tracking.models import Training

    class TrainingForm(forms.ModelForm[Training]):
        class Meta:
            model = Training
            fields = ["held_on"]

    here = timezone.get_current_timezone()

    class Meeting(forms.Form):
        at = forms.DateTimeField(initial=datetime.datetime(2026, 3, 31, 9, 30, tzinfo=here))

    assert isinstance(TrainingForm().fields["held_on"].widget, DatePickerInput)
    html = str(Meeting()["at"])
    assert 'type="datetime-local"' in html and 'value="2026-03-31T09:30"' in html
    assert isinstance(Meeting().fields["at"].widget, DateTimePickerInput)
    assert Meeting({"at": "2026-03-31T09:30"}).is_valid()


def _product_forms() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(recap.__path__, "recap."):
        if module.name.endswith(".forms"):
            importlib.import_module(module.name)
    found: list[type[forms.BaseForm]] = []
    todo: list[type[Any]] = [forms.BaseForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("recap.") and ".tests" not in sub.__module__:
                found.append(sub)
    return found


def test_every_form_of_the_product_has_pickers_and_no_optional_in_its_labels() -> None:
    product = _product_forms()
    assert len(product) > 20  # the walk found the apps' forms
    for form in product:
        for name, field in form.base_fields.items():
            where = f"{form.__module__}.{form.__name__}.{name}"
            # The field include adds "(optional)" itself: a label saying it too says it twice.
            assert "optional" not in str(field.label or "").lower(), where
            if isinstance(field, forms.DateTimeField):
                assert isinstance(field.widget, DateTimePickerInput), where
            elif isinstance(field, forms.DateField):
                assert isinstance(field.widget, DatePickerInput), where


@pytest.mark.django_db
def test_the_value_form_says_optional_once_for_its_evidence() -> None:
    from recap.tracking.forms import UpdateWithEvidenceForm
    from recap.tracking.models import Indicator

    form = UpdateWithEvidenceForm(indicators=Indicator.objects.none())
    html = render_to_string("includes/_field.html", {"field": form["evidence"]})
    assert "(optional)" in html and "(optional) (optional)" not in html
    assert html.count("(optional)") == 1
