"""Shared test data for the consultant side."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage.casework import Actor
from storage.crypto import Cipher, cipher_from
from storage.referrals import NewReferral
from tests.support.db import TEST_KEYS, TEST_PSEUDONYM_KEY

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # a Tuesday, 10:30 in Copenhagen
DESCRIPTION = "Eleven viser videoer med voldelige budskaber i frikvarteret."
EMPLOYEE = "aad-employee-1"

AHMAD = Actor(id="aad-ahmad", name="Ahmad Khalil", correlation_id="c-ahmad")
SOFIE = Actor(id="aad-sofie", name="Sofie Nørgaard", correlation_id="c-sofie")
JONAS = Actor(id="aad-jonas", name="Jonas Mikkelsen", correlation_id="c-jonas")


def cipher() -> Cipher:
    return cipher_from(TEST_KEYS, TEST_PSEUDONYM_KEY)


def new_referral(**changes: Any) -> NewReferral:
    fields: dict[str, Any] = {
        "mode": "named",
        "unit": "vink",
        "rule_id": "polarisation",
        "tags": (),
        "age_band": "15_17",
        "residence": "yes",
        "crime_status": "none_known",
        "signs": ("us_vs_them", "isolation"),
        "has_serious_sign": False,
        "employee_role": "teacher",
        "employee_administration": "buf",
        "employee_id": EMPLOYEE,
        "description": DESCRIPTION,
        "context": {"leader": "yes"},
        "respond_by": None,
        "employee_name": "Mette Hansen",
        "employee_contact": {"aad_object_id": EMPLOYEE},
    }
    fields.update(changes)
    if fields["mode"] == "anonymous":
        fields.update(employee_name=None, employee_contact=None, youth=None)
    return NewReferral(**fields)
