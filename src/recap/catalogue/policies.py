from recap.accounts.policies import CityScopedPolicy

from .models import CandidateAction


class CandidateActionPolicy(CityScopedPolicy[CandidateAction]):
    model = CandidateAction


candidate_action_policy = CandidateActionPolicy()
