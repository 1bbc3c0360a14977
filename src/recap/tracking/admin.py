from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from .derived import DERIVED
from .models import (
    DonorReport,
    Indicator,
    IndicatorTarget,
    IndicatorUpdate,
    Measure,
    MeasureStatusChange,
    Outcome,
    Participant,
    Training,
)


class ParticipantInline(admin.TabularInline[Participant, Training]):
    model = Participant
    extra = 0


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin[Training]):
    list_display = ["title", "held_on", "mode", "programme"]
    list_filter = ["programme", "mode", "countries"]
    search_fields = ["title", "topics", "trainers"]
    date_hierarchy = "held_on"
    inlines = [ParticipantInline]


class StatusChangeInline(admin.TabularInline[MeasureStatusChange, Measure]):
    model = MeasureStatusChange
    extra = 0


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin[Measure]):
    list_display = ["title", "city", "status", "implemented_on", "beneficiaries"]
    list_filter = ["status", "city__country"]
    search_fields = ["title", "description", "city__name"]
    autocomplete_fields = ["city"]
    inlines = [StatusChangeInline]


@admin.register(DonorReport)
class DonorReportAdmin(admin.ModelAdmin[DonorReport]):
    """Read-only: a report is issued from the dashboard and never changes."""

    list_display = ["programme", "period_start", "period_end", "issued_at", "issued_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class TargetInline(admin.TabularInline[IndicatorTarget, Indicator]):
    model = IndicatorTarget
    extra = 1


class IndicatorForm(forms.ModelForm[Indicator]):
    """What a derived indicator is computed from, chosen from the computations there are."""

    source = forms.ChoiceField(
        label=_("computed from"),
        required=False,
        choices=[("", "—")] + [(k, str(d.label)) for k, d in DERIVED.items()],
    )

    class Meta:
        model = Indicator
        fields = [
            "outcome",
            "code",
            "name",
            "unit",
            "kind",
            "source",
            "level",
            "direction",
            "aggregation",
            "baseline_value",
            "baseline_date",
            "interval_days",
            "breakdowns",
            "is_public",
            "order",
        ]


@admin.register(Indicator)
class IndicatorAdmin(TranslationAdmin[Indicator]):  # a field per language
    """The programme edits its results framework here (or loads a file)."""

    form = IndicatorForm
    list_display = ["name", "outcome", "kind", "source", "level", "is_public"]
    list_filter = ["outcome__programme", "kind", "level", "is_public"]
    inlines = [TargetInline]


@admin.register(Outcome)
class OutcomeAdmin(TranslationAdmin[Outcome]):  # a field per language
    list_display = ["title", "programme", "code", "order"]


@admin.register(IndicatorUpdate)
class IndicatorUpdateAdmin(admin.ModelAdmin[IndicatorUpdate]):
    """Read-only: values are reported, submitted and decided through their services."""

    list_display = ["indicator", "city", "period_start", "period_end", "value", "status"]
    list_filter = ["status", "indicator__outcome__programme"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
