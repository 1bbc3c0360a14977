from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import CityHazard, CityHazardVersion, HazardType


@admin.register(HazardType)
class HazardTypeAdmin(TranslationAdmin[HazardType]):  # a field per language
    list_display = ["name", "code", "family", "kind", "is_active"]
    list_filter = ["family", "kind", "is_active"]
    search_fields = ["name", "code"]


@admin.register(CityHazard)
class CityHazardAdmin(admin.ModelAdmin[CityHazard]):
    list_display = ["hazard", "city", "likelihood", "impact", "trend", "updated_at"]
    list_filter = ["city", "trend"]


@admin.register(CityHazardVersion)
class CityHazardVersionAdmin(admin.ModelAdmin[CityHazardVersion]):
    list_display = ["created_at", "city", "hazard", "change", "actor"]
    list_filter = ["city", "change"]

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
