from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HazardsConfig(AppConfig):
    name = "recap.hazards"
    verbose_name = _("Hazards register")
