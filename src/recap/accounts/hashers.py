"""How passwords are hashed: Argon2id, at OWASP's recommended minimum (19 MiB of memory, two
passes, one lane) rather than Django's default (100 MiB, eight lanes).

Why: a sign-in then costs about 30 ms of one core instead of about 160 ms, so signing in stays
quick when many people do at once, and sign-ins cannot be used to exhaust the server's memory
(a hundred at once would otherwise ask for 10 GB). The algorithm's name is unchanged, so every
stored hash still verifies, and one made with other parameters is re-hashed with these at its
owner's next sign-in. See the OWASP Password Storage Cheat Sheet.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
