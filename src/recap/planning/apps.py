from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlanningConfig(AppConfig):
    name = "recap.planning"
    verbose_name = _("Prioritisation")

    def ready(self) -> None:
        # Runs and robustness jobs are held by a worker while computed: when a worker dies,
        # the sweep finds them here (core.work never imports this app).
        from recap.core.work import held_work_register

        from .models import RobustnessJob, Run

        held_work_register(Run)
        held_work_register(RobustnessJob)
        # "My work" lists the packages awaiting a coordinator (accounts never imports this app).
        from recap.accounts.dashboard import panel_register

        from .dashboard import awaiting_endorsement, endorsed_packages

        panel_register("planning/partials/_awaiting_endorsement.html", awaiting_endorsement)
        panel_register("planning/partials/_endorsed.html", endorsed_packages)
