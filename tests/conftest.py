"""Test configuration: hypothesis profiles chosen by ``SALESCORE_HYPOTHESIS_PROFILE``.

``dev`` (the default) keeps the suite fast; ``ci`` runs more examples; ``mutation``
(``make mutation``) is ``dev`` made deterministic.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# Mutation runs need the same examples every time, so a survivor stays a survivor.
settings.register_profile(
    "mutation",
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("SALESCORE_HYPOTHESIS_PROFILE", "dev"))
