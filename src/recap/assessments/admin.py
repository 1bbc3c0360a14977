from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import Assessment, Framework


@admin.register(Framework)
class FrameworkAdmin(TranslationAdmin[Framework]):  # a field per language
    list_display = ["name", "code", "version"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin[Assessment]):
    list_display = ["title", "city", "framework", "status", "created_at"]
    list_filter = ["status", "framework", "city"]
