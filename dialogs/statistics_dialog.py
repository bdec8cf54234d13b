"""The admins' statistics card: "statistik" / "statistics" shows this year's headline figures
beside the same period a year earlier, with a period choice that redraws the card in place.

Only admins (`ADMIN_AAD_OBJECT_IDS`, asked through the consultant side's `Roles`); anyone
else gets a polite refusal. Both are audited. The figures come from an injected source (the
composition root passes `annual_report.figures.headline`), the same code that writes the annual
report, so the card and the report never disagree; they are protected the same way ("<5").

    statistik        → the card for this year so far
    [Periode ▾] [Vis] → Action.Execute `statistics.show` with the chosen period
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from dialogs.commands import CommandRecogniser
from dialogs.consultant.roles import Roles, actor_id
from dialogs.i18n import Catalogue
from dialogs.turn import Incoming, Outcome
from domain.statistics import FigureKind, Headline, Period, PeriodChoice, Value, period_of
from domain.working_days import COPENHAGEN
from storage.audit import ALLOWED, REFUSED, AuditEntry, AuditLog

VERB = "statistics.show"
HeadlineSource = Callable[[Period, datetime], Awaitable[Headline]]
DECIMALS = {FigureKind.COUNT: 0, FigureKind.DAYS: 2, FigureKind.PERCENT: 0}


class StatisticsDialog:
    def __init__(
        self,
        catalogue: Catalogue,
        *,
        roles: Roles,
        figures: HeadlineSource,
        clock: Callable[[], datetime],
        audit: AuditLog | None = None,
    ) -> None:
        self._catalogue = catalogue
        self._roles = roles
        self._figures = figures
        self._clock = clock
        self._audit = audit
        self._commands = CommandRecogniser(catalogue, ("statistics",))

    def recognises(self, incoming: Incoming) -> bool:
        """A typed "statistik" / "statistics" (or a button sending `cmd: statistics`)."""
        if incoming.value is not None:
            return incoming.value.get("cmd") == "statistics"
        return self._commands.recognise(incoming.text, stems=False) == "statistics"

    def handles(self, verb: str | None) -> bool:
        return verb == VERB

    async def show(self, incoming: Incoming) -> Outcome:
        card = await self._card_for(incoming, PeriodChoice.THIS_YEAR)
        if card is None:
            return Outcome().say(self._t(incoming.language, "statistics.refused"))
        return Outcome().show(card)

    async def execute(self, incoming: Incoming) -> Outcome:
        """The card's "Vis": the same card for the chosen period, in place of the old one."""
        chosen = str((incoming.value or {}).get("period") or "")
        choice = PeriodChoice(chosen) if chosen in set(PeriodChoice) else PeriodChoice.THIS_YEAR
        outcome = Outcome()
        card = await self._card_for(incoming, choice)
        if card is None:
            card = self._message_card(self._t(incoming.language, "statistics.refused"))
        outcome.refreshed_card = card
        return outcome

    async def _card_for(self, incoming: Incoming, choice: PeriodChoice) -> dict[str, Any] | None:
        allowed = self._roles.is_admin(incoming.person)
        await self._record(incoming, allowed, choice)
        if not allowed:
            return None
        now = self._clock()
        headline = await self._figures(period_of(choice, now.astimezone(COPENHAGEN).date()), now)
        return self.card(incoming.language, headline, choice)

    # --- the card ------------------------------------------------------------------------------

    def card(self, language: str, headline: Headline, choice: PeriodChoice) -> dict[str, Any]:
        t = self._t
        period = self._span(language, headline.period)
        previous = self._span(language, headline.previous)
        rows = [
            (
                t(language, f"statistics.figure.{figure.id}"),
                self.value(language, figure.current, figure.kind),
                self.value(language, figure.previous, figure.kind),
            )
            for figure in headline.figures
        ]
        header = (t(language, "statistics.column_figure"), period, previous)
        title = t(language, "statistics.title", period=period)
        fallback = "\n".join(
            [title]
            + [
                t(language, "statistics.fallback_line", figure=f, current=c, previous=p)
                for f, c, p in rows
            ]
        )
        return {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "fallbackText": fallback,
            "body": [
                {"type": "TextBlock", "text": title, "weight": "Bolder", "size": "Medium",
                 "wrap": True},
                {"type": "TextBlock", "text": t(language, "statistics.compared", previous=previous),
                 "isSubtle": True, "wrap": True, "spacing": "None"},
                {
                    "type": "Table",
                    "columns": [{"width": 3}, {"width": 1}, {"width": 1}],
                    "firstRowAsHeader": True,
                    "showGridLines": False,
                    "rows": [_row(header, bold=True)] + [_row(row) for row in rows],
                },
                {"type": "TextBlock", "text": t(language, "statistics.note"), "isSubtle": True,
                 "size": "Small", "wrap": True},
                {
                    "type": "Input.ChoiceSet",
                    "id": "period",
                    "label": t(language, "statistics.period_label"),
                    "value": choice.value,
                    "choices": [
                        {"title": t(language, f"statistics.period.{option.value}"),
                         "value": option.value}
                        for option in PeriodChoice
                    ],
                },
            ],
            "actions": [
                {"type": "Action.Execute", "verb": VERB, "title": t(language, "statistics.show"),
                 "data": {}}
            ],
        }  # fmt: skip

    def value(self, language: str, value: Value, kind: FigureKind) -> str:
        if value.number is None:
            return self._t(language, f"statistics.mark.{value.mark.value}")
        text = self._number(language, value.number, DECIMALS[kind])
        if kind is FigureKind.DAYS:
            return self._t(language, "statistics.days", value=text)
        if kind is FigureKind.PERCENT:
            return self._t(language, "statistics.percent", value=text)
        return text

    def _number(self, language: str, number: float, decimals: int) -> str:
        exponent = Decimal(1).scaleb(-decimals)
        rounded = Decimal(repr(number)).quantize(exponent, rounding=ROUND_HALF_UP)
        whole, _, fraction = f"{abs(rounded):f}".partition(".")
        thousands = self._t(language, "statistics.thousands_separator")
        if len(whole) > 3:
            whole = f"{int(whole):,}".replace(",", thousands)
        decimal = self._t(language, "statistics.decimal_separator")
        sign = "-" if rounded < 0 else ""
        return sign + whole + (decimal + fraction if fraction else "")

    def _span(self, language: str, period: Period) -> str:
        return self._t(
            language,
            "statistics.span",
            first=self._date(language, period.first),
            last=self._date(language, period.last),
        )

    def _date(self, language: str, day: date) -> str:
        return self._t(language, "statistics.date", day=day.day, month=day.month, year=day.year)

    def _message_card(self, message: str) -> dict[str, Any]:
        return {
            "type": "AdaptiveCard",
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "version": "1.5",
            "fallbackText": message,
            "body": [{"type": "TextBlock", "text": message, "wrap": True}],
        }

    def _t(self, language: str, key: str, /, **values: Any) -> str:
        return self._catalogue.text(language, key, **values)

    async def _record(self, incoming: Incoming, allowed: bool, choice: PeriodChoice) -> None:
        if self._audit is None:
            return
        await self._audit.record(
            AuditEntry(
                actor=actor_id(incoming.person),
                actor_role="admin" if allowed else "other",
                action="statistics",
                outcome=ALLOWED if allowed else REFUSED,
                at=self._clock(),
                detail=choice.value if allowed else "not_admin",
                correlation_id=incoming.correlation_id,
            )
        )


def _row(cells: tuple[str, str, str], *, bold: bool = False) -> dict[str, Any]:
    return {
        "type": "TableRow",
        "cells": [
            {
                "type": "TableCell",
                "items": [
                    {
                        "type": "TextBlock",
                        "text": text,
                        "wrap": True,
                        "weight": "Bolder" if bold else "Default",
                        "horizontalAlignment": "Left" if k == 0 else "Right",
                    }
                ],
            }
            for k, text in enumerate(cells)
        ],
    }
