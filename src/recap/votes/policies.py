"""Who sees a city's resident votes and who runs them: whoever may view the city's workspace
reads its votes and their results; the city's editors (and coordinators) create, import, open,
close and decide them; programme staff read only. Residents vote on the public ballot page with
a one-time code, without an account (`services.ballot_cast`)."""

from __future__ import annotations

from recap.accounts.policies import CityScopedPolicy

from .models import Vote


class VotePolicy(CityScopedPolicy[Vote]):
    model = Vote
    city_path = "city"


vote_policy = VotePolicy()
