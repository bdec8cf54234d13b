"""The employee's rights: "mine data" shows what the bot holds about them; "slet mine data"
erases what no retention duty keeps, after a confirmation, and says what stays and why."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.formatting import day
from dialogs.i18n import Catalogue
from dialogs.turn import Incoming, Outcome
from dialogs.understanding import Vocabulary
from storage import personal_data
from storage.referrals import Referrals
from storage.training import Training

log = logging.getLogger(__name__)

FLOW = "erase_my_data"


def person_id(incoming: Incoming) -> str:
    return incoming.person.aad_object_id or incoming.person.id


class MyDataDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        referrals: Referrals,
        training: Training,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._catalogue = catalogue
        self._referrals = referrals
        self._training = training
        self._clock = clock
        self._words = Vocabulary.load(catalogue)

    async def show(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language, who, now = incoming.language, person_id(incoming), self._clock()
        referrals = await self._referrals.of_employee(who, limit=100)
        signups = await personal_data.signup_history(self._training.engine, who, now=now)
        subscribed = await self._training.is_subscribed(who)
        lines = [self._t(language, "my_data.referrals", count=len(referrals))]
        lines += [
            self._t(
                language,
                "my_data.referral_line",
                reference=item.reference,
                date=day(self._catalogue, language, item.created_at),
                status=self._t(language, f"referral.status.{item.status}"),
            )
            for item in referrals
        ]
        lines += [
            self._t(language, "my_data.signups_upcoming", count=signups.upcoming),
            self._t(language, "my_data.signups_past", count=signups.past),
            self._t(language, "my_data.subscribed" if subscribed else "my_data.not_subscribed"),
        ]
        if state.get("flow"):
            lines.append(self._t(language, "my_data.draft"))
        lines += [self._t(language, "my_data.address"), self._t(language, "my_data.retention")]
        title = self._t(language, "my_data.title")
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [
                {
                    "type": "TextBlock",
                    "text": title,
                    "weight": "Bolder",
                    "size": "Medium",
                    "wrap": True,
                },
                *({"type": "TextBlock", "text": line, "wrap": True} for line in lines),
            ],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": self._t(language, "my_data.erase_button"),
                    "data": {"cmd": "erase_my_data"},
                }
            ],
            "fallbackText": "\n".join([title, *lines]),
        }
        return Outcome().show(card)

    def ask_to_erase(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        # A draft in progress is part of what gets erased, so it is kept under the flow.
        state["erase_pending"] = True
        language = incoming.language
        question = self._t(language, "my_data.erase_confirm")
        options = [
            ("yes", self._t(language, "options.yes")),
            ("no", self._t(language, "options.no")),
        ]
        card = {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "body": [{"type": "TextBlock", "text": question, "wrap": True, "weight": "Bolder"}],
            "actions": [
                {
                    "type": "Action.Submit",
                    "title": label,
                    "data": {"cmd": "erase_my_data", "answer": value},
                }
                for value, label in options
            ],
            "fallbackText": f"{question}\n1. {options[0][1]}\n2. {options[1][1]}",
        }
        return Outcome().show(card)

    def is_confirming(self, state: dict[str, Any]) -> bool:
        return bool(state.get("erase_pending"))

    async def confirm(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        language = incoming.language
        answer = (incoming.value or {}).get("answer") or self._words.yes_no_maybe(incoming.text)
        if answer == "1":
            answer = "yes"
        if answer not in ("yes", "no"):
            return self.ask_to_erase(incoming, state)
        state.pop("erase_pending", None)
        if answer == "no":
            return Outcome().say(self._t(language, "my_data.kept"))
        counts = await self._erase(person_id(incoming))
        state.clear()  # an unfinished referral goes too
        log.info("my_data.erased", extra=counts)
        return Outcome().say(self._t(language, "my_data.erased", **counts))

    async def _erase(self, who: str) -> dict[str, int]:
        now = self._clock()
        unsubscribed = int(await self._training.unsubscribe(who))
        cancelled = 0
        for signup in await self._training.signups_of(who, now=now):
            if signup.status in ("confirmed", "waitlisted"):
                outcome = await self._training.cancel_signup(signup.event.id, who, now=now)
                cancelled += int(outcome.cancelled)
        forgotten = await personal_data.forget_past_training(self._training.engine, who, now=now)
        return {"unsubscribed": unsubscribed, "cancelled": cancelled, "forgotten": forgotten}

    def _t(self, language: str, key: str, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)
