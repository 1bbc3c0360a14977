from django.contrib import admin
from modeltranslation.admin import TranslationAdmin

from .models import City, Country, Organisation, Programme


@admin.register(Country)
class CountryAdmin(TranslationAdmin[Country]):  # a field per language
    list_display = ["name", "iso2", "region"]
    search_fields = ["name", "iso2"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin[Organisation]):
    list_display = ["name", "kind", "region", "locality", "country", "contact_checked"]
    list_filter = ["kind", "region"]
    search_fields = ["name", "locality", "address"]


@admin.register(City)
class CityAdmin(TranslationAdmin[City]):  # a field per language
    list_display = ["name", "country", "population", "regional_office", "is_public"]
    list_filter = ["country", "is_public"]
    search_fields = ["name", "country__name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin[Programme]):
    list_display = ["short_name", "name", "start_date", "end_date", "donor", "is_public"]
    filter_horizontal = ["countries", "cities", "implementers"]
    prepopulated_fields = {"slug": ["short_name"]}
