from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "recap.learning"
    verbose_name = _("Peer learning")

    def ready(self) -> None:
        # "My work" lists the exchanges awaiting the person's city (accounts never imports this
        # app); the search index and stored documents follow their records (signals.py).
        from recap.accounts.dashboard import panel_register

        from . import signals
        from .dashboard import lessons_work
        from .exchanges import exchanges_work

        signals.connect(self)
        panel_register("learning/_my_work.html", exchanges_work)
        panel_register("learning/_lessons_work.html", lessons_work)
