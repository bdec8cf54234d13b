"""Adaptive Cards of the training side, built from the catalogue.

Every card carries `fallbackText` that says what the card shows, numbered where a number can be
typed ("tilmeld 2"), so the transcript tests and card-less clients read the same. Buttons are
`Action.Submit` with `{"training": <action>, "event": <id>}`; downloads are `Action.OpenUrl`
to a signed, short-lived link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dialogs.training.view import EventView
from domain.training.events import EventKind, local
from domain.training.vocabulary import TOPICS
from storage.training import EventRecord, KindFigures, ParticipantLine

Card = dict[str, Any]
Action = dict[str, Any]


def text_block(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def card(body: list[dict[str, Any]], actions: Sequence[Action], fallback: str) -> Card:
    built: Card = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": body,
        "fallbackText": fallback,
    }
    if actions:
        built["actions"] = list(actions)
    return built


def submit(title: str, action: str, **data: Any) -> Action:
    return {"type": "Action.Submit", "title": title, "data": {"training": action, **data}}


def command(title: str, name: str) -> Action:
    return {"type": "Action.Submit", "title": title, "data": {"cmd": name}}


def open_url(title: str, url: str) -> Action:
    return {"type": "Action.OpenUrl", "title": title, "url": url}


class TrainingCards:
    def __init__(self, view: EventView) -> None:
        self.view = view

    def t(self, key: str, **values: Any) -> str:
        return self.view.t(key, **values)

    # --- events -----------------------------------------------------------------------------

    def facts(self, event: EventRecord, *, detail: bool) -> list[dict[str, str]]:
        view = self.view
        facts = [
            {"title": self.t("training.field.when"), "value": view.when(event)},
            {"title": self.t("training.field.place"), "value": view.where(event)},
            {"title": self.t("training.field.capacity"), "value": view.seats(event)},
        ]
        if not event.cancelled:
            facts.append(
                {"title": self.t("training.field.signup_deadline"), "value": view.deadline(event)}
            )
        if event.topics:
            facts.append({"title": self.t("training.field.topics"), "value": view.topics(event)})
        if detail and event.audience:
            facts.append({"title": self.t("training.field.audience"), "value": event.audience})
        if detail and event.organiser:
            facts.append({"title": self.t("training.field.organiser"), "value": event.organiser})
        return facts

    def line(self, event: EventRecord, number: int | None = None) -> str:
        """One event in plain text (the fallback)."""
        view = self.view
        prefix = f"{number}. " if number is not None else ""
        return (
            f"{prefix}{event.title} ({view.kind(event)}) – {view.when(event)} – "
            f"{view.where(event)} – {view.seats(event)}"
        )

    def event_block(
        self,
        event: EventRecord,
        *,
        number: int | None,
        detail: bool,
        actions: Sequence[Action],
    ) -> dict[str, Any]:
        view = self.view
        title = f"{number}. {event.title}" if number is not None else event.title
        items: list[dict[str, Any]] = [
            text_block(title, weight="Bolder", size="Medium"),
            text_block(view.kind(event), isSubtle=True, spacing="None"),
        ]
        if event.cancelled:
            items.append(text_block(self.t("training.event.cancelled"), color="Attention"))
        items.append({"type": "FactSet", "facts": self.facts(event, detail=detail)})
        if detail and event.description:
            items.append(text_block(event.description))
        if actions:
            items.append({"type": "ActionSet", "actions": list(actions)})
        return {"type": "Container", "separator": True, "items": items}

    def event_actions(self, event: EventRecord, *, organiser: bool) -> list[Action]:
        actions: list[Action] = []
        if not event.cancelled:
            label = "training.button.signup" if event.seats_left else "training.button.waitlist"
            actions.append(submit(self.t(label), "signup", event=event.id))
        if event.online_url:
            actions.append(open_url(self.t("training.button.join_online"), event.online_url))
        if organiser:
            actions.append(submit(self.t("training.button.manage"), "manage", event=event.id))
        return actions

    def event_list(
        self,
        lead: str,
        events: Sequence[EventRecord],
        *,
        actions_for: Callable[[EventRecord], list[Action]],
        detail: bool = False,
        footer: Sequence[Action] = (),
        notes: Sequence[str] = (),
    ) -> Card:
        numbered = len(events) > 1
        body: list[dict[str, Any]] = [text_block(lead, weight="Bolder")]
        lines = [lead]
        for number, event in enumerate(events, 1):
            shown = number if numbered else None
            body.append(
                self.event_block(event, number=shown, detail=detail, actions=actions_for(event))
            )
            lines.append(self.line(event, shown))
            if detail and event.description:
                lines.append(event.description)
        for note in notes:
            body.append(text_block(note, isSubtle=True, size="Small"))
            lines.append(note)
        if events and not any(event.cancelled for event in events):
            key = "training.answer.signup_hint" if numbered else "training.answer.signup_one"
            lines.append(self.t(key))
        return card(body, footer, "\n".join(lines))

    # --- sign-ups ---------------------------------------------------------------------------

    def signup_result(
        self, message: str, event: EventRecord, *, calendar_url: str | None, can_cancel: bool
    ) -> Card:
        actions: list[Action] = []
        lines = [message]
        if calendar_url:
            actions.append(open_url(self.t("training.button.calendar"), calendar_url))
            lines.append(self.t("training.signup.calendar_hint"))
        if event.online_url and not event.cancelled:
            actions.append(open_url(self.t("training.button.join_online"), event.online_url))
        if can_cancel:
            actions.append(
                submit(self.t("training.button.cancel_signup"), "cancel_signup", event=event.id)
            )
        body = [
            text_block(message, weight="Bolder", wrap=True),
            self.event_block(event, number=None, detail=False, actions=[]),
        ]
        if calendar_url:
            body.append(text_block(self.t("training.signup.calendar_hint"), isSubtle=True))
        lines.append(self.line(event))
        return card(body, actions, "\n".join(lines))

    def my_signups(self, items: Sequence[tuple[EventRecord, str, str | None]]) -> Card:
        """(event, status text, calendar link) per sign-up."""
        title = self.t("training.mine.title")
        body: list[dict[str, Any]] = [text_block(title, weight="Bolder", size="Medium")]
        lines = [title]
        for number, (event, status, calendar_url) in enumerate(items, 1):
            actions: list[Action] = []
            if calendar_url:
                actions.append(open_url(self.t("training.button.calendar"), calendar_url))
            if not event.cancelled:
                actions.append(
                    submit(self.t("training.button.cancel_signup"), "cancel_signup", event=event.id)
                )
            block = self.event_block(event, number=number, detail=False, actions=actions)
            block["items"].insert(2, text_block(status, weight="Bolder", color="Good"))
            body.append(block)
            lines.append(f"{self.line(event, number)} – {status}")
        return card(body, [], "\n".join(lines))

    def question(self, text: str, yes: Action, no: Action) -> Card:
        return card([text_block(text, weight="Bolder")], [yes, no], text)

    def notice(self, text: str, event: EventRecord, actions: Sequence[Action]) -> Card:
        body = [
            text_block(text, weight="Bolder"),
            self.event_block(event, number=None, detail=False, actions=[]),
        ]
        return card(body, actions, f"{text}\n{self.line(event)}")

    def announcement(self, event: EventRecord) -> Card:
        lead = self.t("training.announcement.lead", kind=self.view.kind(event))
        note = self.t("training.announcement.unsubscribe_hint")
        actions = [
            *self.event_actions(event, organiser=False),
            command(self.t("training.button.unsubscribe"), "unsubscribe"),
        ]
        body = [
            text_block(lead, weight="Bolder", color="Accent"),
            self.event_block(event, number=None, detail=True, actions=[]),
            text_block(note, isSubtle=True, size="Small"),
        ]
        lines = [lead, self.line(event)]
        if event.description:
            lines.append(event.description)
        lines.append(self.t("training.answer.signup_one"))
        lines.append(note)
        return card(body, actions, "\n".join(lines))

    # --- organisers -------------------------------------------------------------------------

    def manage(self, event: EventRecord, *, subscribers: int) -> Card:
        t = self.t
        actions: list[Action] = [
            submit(t("training.button.participants"), "participants", event=event.id),
        ]
        if not event.cancelled:
            actions[:0] = [submit(t("training.button.edit"), "edit", event=event.id)]
            actions.append(submit(t("training.button.announce"), "announce", event=event.id))
            actions.append(
                submit(t("training.button.cancel_event"), "cancel_event", event=event.id)
            )
        actions.append(submit(t("training.button.attendance"), "attendance", event=event.id))
        note = t("training.manage.subscribers", count=subscribers)
        body = [
            self.event_block(event, number=None, detail=True, actions=[]),
            text_block(note, isSubtle=True, size="Small"),
        ]
        return card(body, actions[:5], "\n".join([self.line(event), note]))

    def organiser_menu(self, events: Sequence[EventRecord]) -> Card:
        title = self.t("training.organiser.title")
        body: list[dict[str, Any]] = [text_block(title, weight="Bolder", size="Medium")]
        lines = [title]
        if not events:
            body.append(text_block(self.t("training.organiser.empty")))
            lines.append(self.t("training.organiser.empty"))
        for number, event in enumerate(events, 1):
            action = submit(self.t("training.button.manage"), "manage", event=event.id)
            body.append(self.event_block(event, number=number, detail=False, actions=[action]))
            lines.append(self.line(event, number))
        actions = [
            submit(self.t("training.button.new_event"), "new_event"),
            submit(self.t("training.button.figures"), "figures"),
        ]
        return card(body, actions, "\n".join(lines))

    def event_form(
        self, values: dict[str, str], problems: Sequence[str], *, event_id: int | None
    ) -> Card:
        t = self.t
        title = t("training.form.title_edit" if event_id else "training.form.title_new")
        body: list[dict[str, Any]] = [text_block(title, weight="Bolder", size="Medium")]
        if problems:
            body.append(text_block(t("training.form.problems"), color="Attention"))
            body.extend(text_block(f"• {problem}", color="Attention") for problem in problems)

        def text_input(name: str, label: str, **extra: Any) -> dict[str, Any]:
            element: dict[str, Any] = {"type": "Input.Text", "id": name, "label": label, **extra}
            if values.get(name):
                element["value"] = values[name]
            return element

        def typed(kind: str, name: str, label: str, **extra: Any) -> dict[str, Any]:
            element: dict[str, Any] = {"type": kind, "id": name, "label": label, **extra}
            value = values.get(name)
            if value and kind == "Input.Number":
                if value.strip().isdigit():  # a number input holds a number, not text
                    element["value"] = int(value)
            elif value:
                element["value"] = value
            return element

        kind_choice = typed(
            "Input.ChoiceSet",
            "kind",
            t("training.field.kind"),
            style="compact",
            isRequired=True,
            errorMessage=t("training.problem.required"),
            choices=[{"title": t(f"training.kind.{k.value}"), "value": k.value} for k in EventKind],
        )
        topics = typed(
            "Input.ChoiceSet",
            "topics",
            t("training.field.topics"),
            isMultiSelect=True,
            style="compact",
            choices=[{"title": t(f"training.topic.{topic}"), "value": topic} for topic in TOPICS],
        )
        body.extend(
            [
                kind_choice,
                text_input(
                    "title",
                    t("training.field.title"),
                    isRequired=True,
                    maxLength=200,
                    errorMessage=t("training.problem.required"),
                ),
                topics,
                text_input("description", t("training.field.description"), isMultiline=True,
                           maxLength=4000),
                typed("Input.Date", "date", t("training.form.date"), isRequired=True,
                      errorMessage=t("training.problem.required")),
                typed("Input.Time", "start_time", t("training.form.start_time"), isRequired=True,
                      errorMessage=t("training.problem.required")),
                typed("Input.Time", "end_time", t("training.form.end_time"), isRequired=True,
                      errorMessage=t("training.problem.required")),
                typed("Input.Date", "end_date", t("training.form.end_date")),
                text_input("place", t("training.field.place"), maxLength=300),
                text_input("online_url", t("training.field.online_url"), style="Url",
                           maxLength=1000),
                typed("Input.Number", "capacity", t("training.field.capacity"), isRequired=True,
                      min=1, max=10000, errorMessage=t("training.problem.capacity_range",
                                                       limit=10000)),
                typed("Input.Date", "deadline", t("training.field.signup_deadline")),
                text_input("audience", t("training.field.audience"), maxLength=300),
                text_input("organiser", t("training.field.organiser"), maxLength=300),
            ]
        )  # fmt: skip
        data: dict[str, Any] = {"event": event_id} if event_id else {}
        actions = [submit(t("training.form.save"), "save", **data)]
        fallback = "\n".join([title, *problems, t("training.form.fallback")])
        return card(body, actions, fallback)

    def participants(
        self,
        event: EventRecord,
        lines: Sequence[ParticipantLine],
        *,
        csv_url: str,
        minutes: int,
    ) -> Card:
        t = self.t
        title = t("training.participants.title", title=event.title)
        confirmed = [line for line in lines if line.status == "confirmed"]
        waiting = [line for line in lines if line.status == "waitlisted"]
        body: list[dict[str, Any]] = [
            text_block(title, weight="Bolder", size="Medium"),
            text_block(self.view.when(event), isSubtle=True, spacing="None"),
        ]
        text_lines = [title, self.view.when(event)]
        for heading, group in (
            (t("training.participants.confirmed", count=len(confirmed), capacity=event.capacity),
             confirmed),
            (t("training.participants.waitlist", count=len(waiting)), waiting),
        ):  # fmt: skip
            body.append(text_block(heading, weight="Bolder"))
            text_lines.append(heading)
            if not group:
                body.append(text_block(t("training.participants.none"), isSubtle=True))
                text_lines.append(t("training.participants.none"))
                continue
            facts = []
            for line in group:
                mark = f" ✓ {t('training.participants.attended')}" if line.attended else ""
                facts.append({"title": f"{line.position}.", "value": f"{line.name}{mark}"})
                text_lines.append(f"{line.position}. {line.name}{mark}")
            body.append({"type": "FactSet", "facts": facts})
        note = t("training.participants.link_note", minutes=minutes)
        body.append(text_block(note, isSubtle=True, size="Small"))
        actions = [
            open_url(t("training.button.download_csv"), csv_url),
            submit(t("training.button.attendance"), "attendance", event=event.id),
        ]
        return card(body, actions, "\n".join([*text_lines, note]))

    def attendance_form(self, event: EventRecord, lines: Sequence[ParticipantLine]) -> Card:
        t = self.t
        title = t("training.attendance.title", title=event.title)
        confirmed = [line for line in lines if line.status == "confirmed"]
        body: list[dict[str, Any]] = [text_block(title, weight="Bolder")]
        if not confirmed:
            body.append(text_block(t("training.attendance.none")))
            return card(body, [], f"{title}\n{t('training.attendance.none')}")
        chosen = ",".join(str(line.signup_id) for line in confirmed if line.attended)
        choice: dict[str, Any] = {
            "type": "Input.ChoiceSet",
            "id": "attended",
            "label": t("training.attendance.label"),
            "isMultiSelect": True,
            "style": "expanded",
            "choices": [
                {"title": f"{line.position}. {line.name}", "value": str(line.signup_id)}
                for line in confirmed
            ],
        }
        if chosen:
            choice["value"] = chosen
        body.append(choice)
        actions = [submit(t("training.attendance.save"), "save_attendance", event=event.id)]
        names = [f"{line.position}. {line.name}" for line in confirmed]
        return card(body, actions, "\n".join([title, *names]))

    def figures(self, year: int, rows: Sequence[KindFigures]) -> Card:
        t = self.t
        title = t("training.figures.title", year=year)
        facts = [
            {
                "title": self.view.kind_plural(row.kind),
                "value": t(
                    "training.figures.row",
                    events=row.events,
                    participants=row.participants,
                    attended=row.attended,
                ),
            }
            for row in rows
        ]
        lines = [title, *(f"{fact['title']}: {fact['value']}" for fact in facts)]
        heading = text_block(title, weight="Bolder", size="Medium")
        body = [heading, {"type": "FactSet", "facts": facts}]
        return card(body, [], "\n".join(lines))


def form_values(event: EventRecord) -> dict[str, str]:
    """An event as the form's inputs hold it (local dates and times)."""
    start, end = local(event.starts_at), local(event.ends_at)
    return {
        "kind": event.kind,
        "title": event.title,
        "topics": ",".join(event.topics),
        "description": event.description,
        "date": start.date().isoformat(),
        "start_time": start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "end_date": end.date().isoformat() if end.date() != start.date() else "",
        "place": event.place,
        "online_url": event.online_url,
        "capacity": str(event.capacity),
        # The default deadline is the start; the form then leaves the field empty.
        "deadline": ""
        if event.signup_deadline == event.starts_at
        else local(event.signup_deadline).date().isoformat(),
        "audience": event.audience,
        "organiser": event.organiser,
    }
