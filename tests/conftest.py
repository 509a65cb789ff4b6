"""Settings for every test: property tests judge correctness, never speed (a deadline fails at
random on a busy shared machine)."""

from hypothesis import HealthCheck, settings

settings.register_profile("brandmon", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("brandmon")
