from django.contrib import admin

from .models import Assessment, Framework


@admin.register(Framework)
class FrameworkAdmin(admin.ModelAdmin[Framework]):
    list_display = ["name", "code", "version"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin[Assessment]):
    list_display = ["title", "city", "framework", "status", "created_at"]
    list_filter = ["status", "framework", "city"]
