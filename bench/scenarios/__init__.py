"""The benchmark scenarios, one module each, registered here in the order they run.

The echo baseline runs first: the other chat scenarios report their figures as ratios to it.
A scenario whose feature is still being built is listed in PENDING and shown in the report.
"""

from __future__ import annotations

from bench.core import Pending, Scenario
from bench.scenarios import (
    announcement_fanout,
    connector_outage,
    echo_baseline,
    harness_floor,
    my_referrals_query,
    referral_dialog,
    report_generation,
    signup_burst,
    teams_limits,
)

SCENARIOS: list[Scenario] = [
    echo_baseline.SCENARIO,
    harness_floor.SCENARIO,
    referral_dialog.SQLITE,
    referral_dialog.POSTGRES,
    my_referrals_query.SCENARIO,
    teams_limits.SCENARIO,
    connector_outage.SCENARIO,
    signup_burst.SCENARIO,
    announcement_fanout.SCENARIO,
    report_generation.SCENARIO,
]

PENDING: list[Pending] = []
