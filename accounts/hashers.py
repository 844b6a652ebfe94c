from django.contrib.auth.hashers import Argon2PasswordHasher


class ShopArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id at OWASP's recommended setting: 19 MiB of memory, 2 passes, 1 lane.

    Django's own Argon2 setting (100 MiB, 8 lanes) and its PBKDF2 default
    (1,500,000 iterations) both kept 16 simultaneous logins on a 2-core server
    waiting 2.0–2.5 s each; this one answers them in 0.3 s (bench/logins.py,
    figures in docs/PERFORMANCE.md). The parameters are stored in each hash, so
    existing hashes still verify, and Django upgrades a hash made with other
    parameters (or with PBKDF2) at the user's next login.
    """

    time_cost = 2
    memory_cost = 19_456  # KiB
    parallelism = 1
