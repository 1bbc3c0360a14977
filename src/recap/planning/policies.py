from recap.accounts.policies import CityScopedPolicy

from .models import ActionPackage, PrioritisationSession, Run


class SessionPolicy(CityScopedPolicy[PrioritisationSession]):
    model = PrioritisationSession


class RunPolicy(CityScopedPolicy[Run]):
    model = Run
    city_path = "session__city"


session_policy = SessionPolicy()
run_policy = RunPolicy()


class ActionPackagePolicy(CityScopedPolicy[ActionPackage]):
    model = ActionPackage


package_policy = ActionPackagePolicy()
