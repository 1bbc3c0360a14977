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
        # "My work" lists the late and at-risk actions and the progress waiting for approval,
        # and the weekly digest names them (accounts and tracking never import this app).
        from recap.accounts.dashboard import panel_register
        from recap.tracking.reminders import digest_source_register

        from .dashboard import digest_lines, implementation_work

        panel_register("implementation/_my_work.html", implementation_work)
        digest_source_register(digest_lines)
        # The city's public page links its plan once the city has made it public.
        from recap.cities.workspace import public_panel_register

        from .selectors import public_panel

        public_panel_register("implementation/_public_panel.html", public_panel)
