from django.contrib import admin

from .models import Measure, Training


@admin.register(Training)
class TrainingAdmin(admin.ModelAdmin[Training]):
    list_display = ["title", "held_on", "mode", "participants", "programme"]
    list_filter = ["programme", "mode", "countries"]
    search_fields = ["title", "topics"]
    date_hierarchy = "held_on"


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin[Measure]):
    list_display = ["title", "city", "status", "implemented_on"]
    list_filter = ["status", "city__country"]
    search_fields = ["title", "description", "city__name"]
    autocomplete_fields = ["city"]
