from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import Lesson


@admin.register(Lesson)
class LessonAdmin(TranslationAdmin[Lesson]):  # a field per language
    list_display = ["title", "city", "kind", "status", "is_illustrative", "published_at"]
    list_filter = ["status", "kind", "is_illustrative", "city__country"]
    search_fields = ["title", "summary", "city__name"]
    filter_horizontal = ["hazards", "actions"]
