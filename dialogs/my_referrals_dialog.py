"""The employee afterwards: "mine henvendelser" lists their referrals (reference, date, unit,
status; never the consultants' notes), and they can add information to an open one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.formatting import day
from dialogs.i18n import Catalogue
from dialogs.text import normalise
from dialogs.turn import Incoming, Outcome
from dialogs.understanding import contains_cpr, words_of
from domain.references import find_reference
from storage.referrals import ReferralListItem, Referrals

FLOW = "add_information"
ADDITION_LIMIT = 4000


def employee_id(incoming: Incoming) -> str:
    return incoming.person.aad_object_id or incoming.person.id


class MyReferralsDialog:
    def __init__(
        self, catalogue: Catalogue, referrals: Referrals, *, clock: Callable[[], datetime]
    ) -> None:
        self._catalogue = catalogue
        self._referrals = referrals
        self._clock = clock

    async def show_list(self, incoming: Incoming) -> Outcome:
        language = incoming.language
        items = await self._referrals.of_employee(employee_id(incoming))
        if not items:
            return Outcome().say(self._t(language, "referral.list.empty"))
        return Outcome().show(self._list_card(language, items))

    def _list_card(self, language: str, items: list[ReferralListItem]) -> dict[str, Any]:
        t = self._t
        rows: list[dict[str, Any]] = []
        lines = [t(language, "referral.list.title")]
        for item in items:
            when = day(self._catalogue, language, item.created_at)
            unit = t(language, f"options.unit.{item.unit}")
            status = t(language, f"referral.status.{item.status}")
            lines.append(f"{item.reference} · {when} · {unit} · {status}")
            container: dict[str, Any] = {
                "type": "Container",
                "separator": True,
                "items": [
                    {"type": "TextBlock", "text": item.reference, "weight": "Bolder", "wrap": True},
                    {
                        "type": "FactSet",
                        "facts": [
                            {"title": t(language, "referral.list.date"), "value": when},
                            {"title": t(language, "referral.list.unit"), "value": unit},
                            {"title": t(language, "referral.list.status"), "value": status},
                        ],
                    },
                ],
            }
            if item.is_open:
                container["items"].append(
                    {
                        "type": "ActionSet",
                        "actions": [
                            {
                                "type": "Action.Submit",
                                "title": t(language, "referral.list.add"),
                                "data": {"cmd": "add_information", "reference": item.reference},
                            }
                        ],
                    }
                )
            rows.append(container)
        return {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [
                {
                    "type": "TextBlock",
                    "text": t(language, "referral.list.title"),
                    "weight": "Bolder",
                    "size": "Medium",
                    "wrap": True,
                },
                *rows,
            ],
            "fallbackText": "\n".join(lines),
        }

    def start_add(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        state.clear()
        state.update(flow=FLOW, reference=None)
        given = (incoming.value or {}).get("reference") or (
            str(found) if (found := find_reference(incoming.text or "")) else None
        )
        if given:
            state["reference"] = str(given)
            return Outcome().say(self._t(incoming.language, "referral.add.prompt", reference=given))
        return Outcome().say(self._t(incoming.language, "referral.add.choose"))

    async def handle(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language = incoming.language
        text = (incoming.text or "").strip()
        said = normalise(text)
        if said in self._words("commands.help.words"):
            return Outcome().say(self._t(language, "referral.add.help"))
        if said in self._words("referral.words.why"):
            return Outcome().say(self._t(language, "referral.add.why"))
        if state.get("reference") is None:
            found = find_reference(text)
            if found is None:
                return Outcome().say(self._t(language, "referral.add.choose"))
            state["reference"] = str(found)
            return Outcome().say(self._t(language, "referral.add.prompt", reference=str(found)))
        reference = str(state["reference"])
        if contains_cpr(text):
            return Outcome().say(self._t(language, "referral.step.description.cpr"))
        if len(text) < 2:
            return Outcome().say(self._t(language, "referral.add.prompt", reference=reference))
        if len(text) > ADDITION_LIMIT:
            return Outcome().say(
                self._t(
                    language,
                    "referral.step.description.too_long",
                    length=len(text),
                    limit=ADDITION_LIMIT,
                )
            )
        added = await self._referrals.add_information(
            reference=reference, employee_id=employee_id(incoming), text=text, now=self._clock()
        )
        state.clear()
        if not added:
            return Outcome().say(self._t(language, "referral.add.not_found"))
        return Outcome().say(self._t(language, "referral.add.done", reference=reference))

    def _words(self, key: str) -> frozenset[str]:
        return words_of(self._catalogue, key)

    def _t(self, language: str, key: str, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)
