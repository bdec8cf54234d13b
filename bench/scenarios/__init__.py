"""The benchmark scenarios, one module each, registered here in the order they run.

The echo baseline runs first: the other chat scenarios report their figures as ratios to it.
A scenario whose feature is still being built is listed in PENDING and shown in the report.
"""

from __future__ import annotations

from bench.core import Pending, Scenario
from bench.scenarios import (
    echo_baseline,
    harness_floor,
    my_referrals_query,
    referral_dialog,
    report_generation,
    teams_limits,
)

SCENARIOS: list[Scenario] = [
    echo_baseline.SCENARIO,
    harness_floor.SCENARIO,
    referral_dialog.SQLITE,
    referral_dialog.POSTGRES,
    my_referrals_query.SCENARIO,
    teams_limits.SCENARIO,
    report_generation.SCENARIO,
]

PENDING: list[Pending] = [
    Pending(
        "signup_burst", "Sign-up burst for a training session", "training sign-up (training side)"
    ),
    Pending(
        "announcement_fanout",
        "Announcement to 10,000 subscribers within Teams' rate limits",
        "announcements and proactive fan-out",
    ),
]
