from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImplementationConfig(AppConfig):
    name = "recap.implementation"
    verbose_name = _("Implementation plans")

    def ready(self) -> None:
        # Endorsing a package starts its plan, or moves the plan to the endorsed version
        # (planning never imports this app).
        from recap.planning.packages import endorsed_register

        from .services import plan_follow_endorsement

        endorsed_register(plan_follow_endorsement)
