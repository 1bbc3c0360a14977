from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotesConfig(AppConfig):
    name = "recap.votes"
    verbose_name = _("Resident votes")
