from django.contrib import admin

from .models import CatalogueAction


@admin.register(CatalogueAction)
class CatalogueActionAdmin(admin.ModelAdmin[CatalogueAction]):
    list_display = ["code", "title", "phase", "cost_min_usd", "cost_max_usd", "is_active"]
    list_filter = ["phase", "is_active"]
    search_fields = ["code", "title", "summary"]
