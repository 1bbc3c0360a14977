from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PipelineConfig(AppConfig):
    name = "recap.pipeline"
    verbose_name = _("Project pipeline")

    def ready(self) -> None:
        # "My work" lists the concepts awaiting the reader (accounts never imports this app).
        from recap.accounts.dashboard import panel_register

        from .dashboard import pipeline_work

        panel_register("pipeline/partials/_my_work.html", pipeline_work)
