from recap.accounts.policies import CityScopedPolicy

from .models import Answer, Assessment


class AssessmentPolicy(CityScopedPolicy[Assessment]):
    model = Assessment


class AnswerPolicy(CityScopedPolicy[Answer]):
    model = Answer
    city_path = "assessment__city"


assessment_policy = AssessmentPolicy()
answer_policy = AnswerPolicy()
