from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "recap.catalogue"
    verbose_name = _("Action catalogue")
