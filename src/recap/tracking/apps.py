from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrackingConfig(AppConfig):
    name = "recap.tracking"
    verbose_name = _("Programme tracking")

    def ready(self) -> None:
        # "My work" lists what the person should report or decide (accounts never imports this).
        from recap.accounts.dashboard import panel_register
        from recap.core.work import scheduled_register

        from .reminders import reminders_schedule, results_work

        panel_register("tracking/_my_work.html", results_work)
        scheduled_register(reminders_schedule)  # the weekly digest, queued by every worker
        # The city's workspace lists its measures (cities never imports this app).
        from recap.cities.workspace import workspace_panel_register

        from .selectors import measure_list

        workspace_panel_register(
            "tracking/_workspace.html",
            lambda user, city: {"measures": measure_list(user=user, city=city)},
            order=20,
        )
