from recap.accounts.policies import CityScopedPolicy

from .models import CityHazard, CityHazardVersion


class CityHazardPolicy(CityScopedPolicy[CityHazard]):
    model = CityHazard


class CityHazardVersionPolicy(CityScopedPolicy[CityHazardVersion]):
    model = CityHazardVersion


city_hazard_policy = CityHazardPolicy()
city_hazard_version_policy = CityHazardVersionPolicy()
