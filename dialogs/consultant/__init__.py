"""The consultant side: routed referrals in the units' channels, case actions, queue and case
views, and the admin commands. See docs/consultants.md."""
