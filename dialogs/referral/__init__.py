"""The concern-referral dialog (bekymringshenvendelse): see docs/referral.md."""
