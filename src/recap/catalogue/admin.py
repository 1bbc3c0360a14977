from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import CatalogueAction


@admin.register(CatalogueAction)
class CatalogueActionAdmin(TranslationAdmin[CatalogueAction]):  # a field per language
    list_display = ["code", "title", "phase", "cost_min_usd", "cost_max_usd", "is_active"]
    list_filter = ["phase", "is_active"]
    search_fields = ["code", "title", "summary"]
