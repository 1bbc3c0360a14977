from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import Facility, ProjectConcept, Rubric
from .selectors import facility_unchecked
from .services import CHOICES, criteria_problem, sources_problem, value_problem


@admin.register(ProjectConcept)
class ProjectConceptAdmin(admin.ModelAdmin[ProjectConcept]):
    """Read-only here: a concept is written by its city and moved through its stages by the
    services, whose gates and audit the admin would go round."""

    list_display = ["reference", "title", "city", "stage", "stage_since", "submitted_on"]
    list_filter = ["stage", "city__country"]
    search_fields = ["reference", "title", "summary", "city__name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _label(field: str) -> str:
    return str(getattr(Facility._meta.get_field(field), "verbose_name", field))


class FacilityForm(forms.ModelForm[Facility]):
    """The same checks as the directory file's (lists of known codes, the sources' shape), so
    that what the admin saves, the pages can show."""

    class Meta:
        model = Facility
        fields = [
            "code",
            "name",
            "operators",
            "url",
            "organisation",
            "country_note",
            "sources",
            *Facility.SOURCED,
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for field in (*CHOICES, "countries"):
            if field in data and (problem := value_problem(field, data[field])):
                self.add_error(field, problem)
        if "sources" in data and (problem := sources_problem(data["sources"])):
            self.add_error("sources", problem)
        return data


@admin.register(Facility)
class FacilityAdmin(admin.ModelAdmin[Facility]):
    """The programme keeps the directory current here; an entry with fields not checked for a
    year (or never) is flagged in the list and on its page."""

    form = FacilityForm

    list_display = ["name", "operators", "country_rule", "call_window", "fields_to_check"]
    list_filter = ["country_rule", "call_window"]
    search_fields = ["name", "operators", "applicants", "code"]

    @admin.display(description=_("fields to check"))
    def fields_to_check(self, facility: Facility) -> str:
        due = facility_unchecked(facility)
        return f"{len(due)} / {len(Facility.SOURCED)}" if due else "—"

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        due = [f.name for f in Facility.objects.all() if facility_unchecked(f)]
        if due:
            messages.warning(
                request,
                ngettext(
                    "%(n)d entry has fields not checked against its source for a year or "
                    "more, or never: %(names)s.",
                    "%(n)d entries have fields not checked against their sources for a year "
                    "or more, or never: %(names)s.",
                    len(due),
                )
                % {"n": len(due), "names": "; ".join(due)},
            )
        return super().changelist_view(request, extra_context)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        facility = self.get_object(request, object_id)
        due = facility_unchecked(facility) if facility else []
        if due and request.method == "GET":
            never = _("never checked")
            fields = ", ".join(f"{_label(u.field)} ({u.checked or never})" for u in due)
            messages.warning(
                request,
                _(
                    "Not checked against the source for a year or more: %(fields)s. Check "
                    "them and set their dates under Sources."
                )
                % {"fields": fields},
            )
        return super().change_view(request, object_id, form_url, extra_context)


class RubricForm(forms.ModelForm[Rubric]):
    class Meta:
        model = Rubric
        fields = ["code", "name", "about", "criteria", "order"]

    def clean_criteria(self) -> Any:
        criteria = self.cleaned_data.get("criteria")
        if problem := criteria_problem(criteria):
            raise forms.ValidationError(problem)
        return criteria


@admin.register(Rubric)
class RubricAdmin(admin.ModelAdmin[Rubric]):
    """The questions reviewers score concepts against; changing them changes the form for the
    next review (reviews already made keep their scores by criterion code)."""

    form = RubricForm
    list_display = ["name", "code", "order"]
