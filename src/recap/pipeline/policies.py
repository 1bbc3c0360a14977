from recap.core.policies import CityScopedPolicy

from .models import ProjectConcept


class ProjectConceptPolicy(CityScopedPolicy[ProjectConcept]):
    model = ProjectConcept


project_concept_policy = ProjectConceptPolicy()
