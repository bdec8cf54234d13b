"""The top of every conversation: welcome, menu, help, cancel, and the polite fallback.

Feature dialogs (referral, training, …) plug in below this one; it owns the words that work
everywhere (`hjælp`, `annuller`) so they are handled once.
"""

from __future__ import annotations

from typing import Any

from dialogs.cards import render
from dialogs.commands import GLOBAL_COMMANDS, MENU_COMMANDS, PRIVACY_COMMANDS, CommandRecogniser
from dialogs.consultant.consultant_dialog import ConsultantDialog
from dialogs.i18n import Catalogue
from dialogs.my_data_dialog import MyDataDialog
from dialogs.my_referrals_dialog import FLOW as ADD_INFORMATION
from dialogs.my_referrals_dialog import MyReferralsDialog
from dialogs.referral.referral_dialog import FLOW as REFERRAL
from dialogs.referral.referral_dialog import ReferralDialog
from dialogs.statistics_dialog import StatisticsDialog
from dialogs.training.training_dialog import TrainingDialog
from dialogs.turn import Incoming, Outcome

State = dict[str, Any]
PERSONAL_ONLY = frozenset(
    {"referral", "my_referrals", "add_information", "my_data", "erase_my_data"}
)


class MainDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        referral: ReferralDialog,
        my_referrals: MyReferralsDialog,
        training: TrainingDialog | None = None,
        consultant: ConsultantDialog | None = None,
        statistics: StatisticsDialog | None = None,
        my_data: MyDataDialog | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._referral = referral
        self._my_referrals = my_referrals
        self._training = training
        self._consultant = consultant
        self._statistics = statistics
        self._my_data = my_data
        self._commands = CommandRecogniser(
            catalogue, GLOBAL_COMMANDS + MENU_COMMANDS + PRIVACY_COMMANDS
        )

    def welcome(self, language: str, *, conversation_type: str = "personal") -> Outcome:
        """The card on install: in a personal chat, a group chat, or a team's channel."""
        card = {"channel": "welcome_team", "groupChat": "welcome_group"}.get(
            conversation_type, "welcome"
        )
        return Outcome().show(render(card, self._catalogue, language, **self._menu(language)))

    async def handle(self, incoming: Incoming, state: State) -> Outcome:
        """Answer one turn. `state` is the conversation's saved state, changed in place."""
        if incoming.verb:
            if self._consultant is not None and self._consultant.handles(incoming.verb):
                return await self._consultant.execute(incoming)
            if self._statistics is not None and self._statistics.handles(incoming.verb):
                return await self._statistics.execute(incoming)
            return self._execute(incoming, state)
        if self._training is not None and incoming.value and "training" in incoming.value:
            # Training's card buttons work whatever else is going on; they never touch a draft.
            return await self._training.on_action(incoming, state)
        command = self._command_of(incoming)
        if self._my_data is not None and self._my_data.is_confirming(state):
            return await self._my_data.confirm(incoming, state)
        flow = state.get("flow")
        if flow == REFERRAL:
            # The referral dialog handles cancel (with confirmation) and help for its steps.
            return await self._referral.handle(incoming, state)
        if flow == ADD_INFORMATION and command not in ("cancel", "help"):
            return await self._my_referrals.handle(incoming, state)
        if self._consultant is not None:
            # Consultant and admin commands ("min kø", "sag BEK-…", "registrer VINK").
            answer = await self._consultant.handle_text(incoming)
            if answer is not None:
                return answer
        if self._statistics is not None and self._statistics.recognises(incoming):
            # The admins' annual figures ("statistik"); refused politely for anyone else.
            return await self._statistics.show(incoming)
        if self._training is not None:
            stem_only = (
                command is not None
                and incoming.value is None
                and self._commands.recognise(incoming.text, stems=False) is None
            )
            answer = await self._training.route(
                incoming, state, command=command, stem_only=stem_only
            )
            if answer is not None:
                return answer
        if command in PERSONAL_ONLY and incoming.conversation_type != "personal":
            # Case content never goes into a chat other people can read.
            return Outcome().say(self._catalogue.text(incoming.language, "referral.personal_only"))
        if command == "referral":
            return self._referral.start(incoming, state)
        if command == "my_data" and self._my_data is not None:
            return await self._my_data.show(incoming, state)
        if command == "erase_my_data" and self._my_data is not None:
            return self._my_data.ask_to_erase(incoming, state)
        if command == "my_referrals":
            return await self._my_referrals.show_list(incoming)
        if command == "add_information":
            return self._my_referrals.start_add(incoming, state)
        if command == "cancel":
            return self._cancel(incoming.language, state)
        if command == "help":
            return self._help(incoming.language)
        return self._unknown(incoming.language)

    def _command_of(self, incoming: Incoming) -> str | None:
        if incoming.value and isinstance(incoming.value.get("cmd"), str):
            return str(incoming.value["cmd"])
        return self._commands.recognise(incoming.text)

    def _execute(self, incoming: Incoming, state: State) -> Outcome:
        """Action.Execute: the answer replaces the clicked card in place."""
        outcome = Outcome()
        if incoming.verb == "menu.help":
            outcome.refreshed_card = self._help_card(incoming.language)
        else:
            outcome.refreshed_card = render(
                "notice",
                self._catalogue,
                incoming.language,
                message=self._catalogue.text(incoming.language, "errors.unknown_action"),
            )
        return outcome

    def _cancel(self, language: str, state: State) -> Outcome:
        if state.get("flow"):
            state.clear()
            return Outcome().say(self._catalogue.text(language, "cancel.done"))
        return Outcome().say(self._catalogue.text(language, "cancel.nothing"))

    def _help(self, language: str) -> Outcome:
        return Outcome().show(self._help_card(language))

    def _help_card(self, language: str) -> dict[str, Any]:
        return render("help", self._catalogue, language, **self._menu(language))

    def _unknown(self, language: str) -> Outcome:
        outcome = Outcome().say(self._catalogue.text(language, "unknown.text"))
        return outcome.show(self._help_card(language))

    def _menu(self, language: str) -> dict[str, Any]:
        """`commands`: the buttons (Teams shows at most six actions on a card); `all_commands`:
        everything the help card lists, including the privacy commands."""
        text = self._catalogue.text

        def described(names: tuple[str, ...]) -> list[dict[str, str]]:
            return [
                {
                    "cmd": name,
                    "title": text(language, f"commands.{name}.title"),
                    "description": text(language, f"commands.{name}.description"),
                }
                for name in names
            ]

        return {
            "commands": described((*MENU_COMMANDS, "cancel")),
            "all_commands": described((*MENU_COMMANDS, *PRIVACY_COMMANDS, "cancel")),
        }
