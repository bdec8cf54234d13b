"""The training side's one entry point for the main dialog.

`route(incoming, state, command, stem_only)` answers a turn that belongs to training, or
returns None so the main dialog carries on. Who answers a typed message:

1. the main dialog's exact commands ("hjælp", "ny bekymring", "kurser og temadage", …);
2. training's own commands ("abonnér på kurser", "afmeld nyheder", "arrangør", …) and
   "tilmeld 2" (a number from the last list shown);
3. a question that clearly is about training (`Strength.STRONG`: a kind, an event word, a
   standing question), even when a command *stem* also matched ("kurser om
   bekymringshenvendelser" is a question, not a new referral);
4. the main dialog's stem commands;
5. a question that might be about training (`Strength.WEAK`: only a topic or a period).

Card buttons carry `{"training": <action>, "event": <id>}` and always come here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from dialogs.commands import CommandRecogniser
from dialogs.i18n import Catalogue
from dialogs.text import normalise
from dialogs.training.ask_dialog import SHOWN_KEY, AskDialog
from dialogs.training.organiser_dialog import OrganiserDialog
from dialogs.training.ports import TrainingPorts
from dialogs.training.signup_dialog import SignupDialog
from dialogs.turn import Incoming, Outcome
from dialogs.understanding import words_of
from domain.training.questions import Strength
from storage.training import Training
from storage.training_delivery import TrainingDelivery

log = logging.getLogger(__name__)

# Commands in the main menu (dialogs.commands.MENU_COMMANDS) that training answers.
MENU = ("training",)
# Commands only training recognises (words in the catalogue, not in the menu; "mine
# tilmeldinger" is a button on the training card: Teams shows at most six card buttons).
OWN = ("my_signups", "subscribe", "unsubscribe", "organiser", "new_event")
ORGANISER_ACTIONS = frozenset(
    {
        "organiser_menu",
        "new_event",
        "save",
        "figures",
        "manage",
        "edit",
        "cancel_event",
        "cancel_event_confirmed",
        "participants",
        "attendance",
        "save_attendance",
        "announce",
        "announce_confirmed",
    }
)


class TrainingDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        training: Training,
        delivery: TrainingDelivery,
        ports: TrainingPorts,
        *,
        clock: Callable[[], datetime],
    ) -> None:
        self._catalogue = catalogue
        self.ask = AskDialog(catalogue, training, ports, clock=clock)
        self.signup = SignupDialog(catalogue, training, ports, clock=clock)
        self.organiser = OrganiserDialog(catalogue, training, delivery, ports, clock=clock)
        self._commands = CommandRecogniser(catalogue, OWN)
        words = sorted(words_of(catalogue, "training.words.signup"), key=len, reverse=True)
        self._typed_signup = re.compile(
            r"^(?:" + "|".join(re.escape(word) for word in words) + r")"
            r"(?: (?:til|for|nr\.?|nummer|number|no\.?))? ?#?(\d{1,2})$"
        )

    async def route(
        self,
        incoming: Incoming,
        state: dict[str, Any],
        *,
        command: str | None,
        stem_only: bool = False,
    ) -> Outcome | None:
        if incoming.value is not None and "training" in incoming.value:
            return await self.on_action(incoming, state)
        if command in MENU or command in OWN:
            return await self.on_command(str(command), incoming, state)
        if command is not None and not stem_only:
            return None
        if incoming.value is not None or not incoming.text:
            return None
        own = self._commands.recognise(incoming.text)
        if own is not None:
            return await self.on_command(own, incoming, state)
        typed = self._typed_signup.match(normalise(incoming.text))
        if typed:
            return await self._sign_up_by_number(incoming, state, int(typed.group(1)))
        question = self.ask.understand(incoming.text)
        wanted = Strength.STRONG if command is not None else Strength.WEAK
        if question.strength >= wanted:
            log.info(
                "training.question",
                extra={
                    "strength": question.strength.name,
                    "faq": len(question.faq),
                    "kinds": len(question.kinds),
                    "topics": len(question.topics),
                    "period": question.period is not None,
                },
            )
            return await self.ask.answer(incoming, state, question)
        return None

    async def on_command(self, name: str, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        if name == "training":
            subscribed = await self.signup.is_subscribed(incoming)
            return await self.ask.upcoming(incoming, state, subscribed=subscribed)
        if name == "my_signups":
            return await self.signup.my_signups(incoming)
        if name == "subscribe":
            return await self.signup.subscribe(incoming)
        if name == "unsubscribe":
            return await self.signup.unsubscribe(incoming)
        if name == "organiser":
            return await self.organiser.handle("organiser_menu", incoming)
        return await self.organiser.handle("new_event", incoming)

    async def on_action(self, incoming: Incoming, state: dict[str, Any]) -> Outcome:
        value = incoming.value or {}
        action = str(value.get("training"))
        event = value.get("event")
        event_id = int(event) if isinstance(event, int | str) and str(event).isdigit() else None
        if action in ORGANISER_ACTIONS:
            return await self.organiser.handle(action, incoming)
        if action == "signup" and event_id is not None:
            return await self.signup.sign_up(incoming, event_id)
        if action == "cancel_signup" and event_id is not None:
            return await self.signup.cancel(incoming, event_id)
        return Outcome().say(self._catalogue.text(incoming.language, "errors.unknown_action"))

    async def _sign_up_by_number(
        self, incoming: Incoming, state: dict[str, Any], number: int
    ) -> Outcome:
        shown = state.get(SHOWN_KEY) or []
        if not 1 <= number <= len(shown):
            return Outcome().say(self._catalogue.text(incoming.language, "training.signup.which"))
        return await self.signup.sign_up(incoming, int(shown[number - 1]))
