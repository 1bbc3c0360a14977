from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "recap.tracking"
    verbose_name = _("Programme tracking")

    def ready(self) -> None:
        # "My work" lists what the person should report or decide (accounts never imports this).
        from recap.accounts.dashboard import panel_register

        from .reminders import results_work

        panel_register("tracking/_my_work.html", results_work)
