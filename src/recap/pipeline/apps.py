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
        # The city's workspace lists its concepts (cities never imports this app either).
        from recap.cities.workspace import workspace_panel_register

        from .selectors import concept_list

        workspace_panel_register(
            "pipeline/partials/_workspace.html",
            lambda user, city: {"concepts": concept_list(user=user, city=city)},
            order=10,
        )
