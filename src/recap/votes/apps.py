from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VotesConfig(AppConfig):
    name = "recap.votes"
    verbose_name = _("Resident votes")

    def ready(self) -> None:
        from recap.tracking.extensions import measure_note

        # A measure residents chose says so on its page (and which vote, and by which rule).
        measure_note("votes/_measure_provenance.html")
