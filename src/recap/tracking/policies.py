from recap.core.policies import CityScopedPolicy

from .models import Measure


class MeasurePolicy(CityScopedPolicy[Measure]):
    model = Measure


measure_policy = MeasurePolicy()
