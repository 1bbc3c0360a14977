from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """What every app leans on: spreadsheets, PDFs, imports waiting for confirmation."""

    name = "recap.core"
    verbose_name = _("Platform")
