from django.contrib import admin

from .models import ProjectConcept


@admin.register(ProjectConcept)
class ProjectConceptAdmin(admin.ModelAdmin[ProjectConcept]):
    list_display = ["title", "city", "status", "submitted_on"]
    list_filter = ["status", "city__country"]
    search_fields = ["title", "summary", "city__name"]
    autocomplete_fields = ["city"]
