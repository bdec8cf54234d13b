"""Our fast activity (de)serialiser gives the same result as msrest's, on Teams-shaped
activities and on arbitrary ones (hypothesis): the contract between the fast path and its
real twin."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from botbuilder.schema import Activity, Attachment, ChannelAccount, ConversationAccount
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.activity_json import ActivityShapeError, from_json, to_json
from tests.support import activities as a

URL = "http://127.0.0.1:9/"

TEAMS_SHAPED = [
    a.message("hjælp", service_url=URL),
    a.submit({"step": "signs", "serious": "weapons", "other": ""}, service_url=URL),
    a.execute("claim", {"referral": 7}, service_url=URL),
    a.bot_added(service_url=URL, team=True),
    {
        **a.message("<at>VINK og SSP</at> registrer VINK", service_url=URL),
        "entities": [
            {
                "type": "mention",
                "mentioned": {"id": "28:bot", "name": "VINK og SSP"},
                "text": "<at>VINK og SSP</at>",
            },
            {"type": "clientInfo", "locale": "da-DK", "country": "DK", "platform": "Web"},
        ],
        "timestamp": "2026-11-27T10:00:00.1234567Z",
        "localTimestamp": "2026-11-27T11:00:00.123+01:00",
        "attachments": [{"contentType": "text/html", "content": "<p>hej</p>"}],
    },
]


def comparable(activity: Activity) -> dict[str, Any]:
    return activity.as_dict()


@pytest.mark.parametrize("body", TEAMS_SHAPED)
def test_reading_matches_msrest(body: dict[str, Any]) -> None:
    ours = from_json(Activity, body)
    theirs = Activity().deserialize(body)
    assert comparable(ours) == comparable(theirs)
    for ours_entity, their_entity in zip(ours.entities or [], theirs.entities or [], strict=True):
        assert ours_entity.additional_properties == their_entity.additional_properties


@pytest.mark.parametrize("body", TEAMS_SHAPED)
def test_writing_matches_msrest(body: dict[str, Any]) -> None:
    activity = Activity().deserialize(body)
    assert to_json(activity) == activity.serialize()


def test_a_reply_with_a_card_serialises_like_msrest() -> None:
    card = {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "Næste", "wrap": True}],
        "actions": [{"type": "Action.Submit", "title": "Ja", "data": {"answer": "yes"}}],
    }
    reply = Activity(
        type="message",
        reply_to_id="1",
        service_url=URL,
        channel_id="msteams",
        from_property=ChannelAccount(id="28:bot"),
        recipient=ChannelAccount(id="29:u"),
        conversation=ConversationAccount(id="a:1", conversation_type="personal"),
        attachments=[
            Attachment(content_type="application/vnd.microsoft.card.adaptive", content=card)
        ],
        timestamp=dt.datetime(2026, 11, 27, 10, 0, 0, 123400, tzinfo=dt.UTC),
    )
    assert to_json(reply) == reply.serialize()


@pytest.mark.parametrize(
    "body",
    [
        {"type": "message", "from": "not an object"},
        {"type": "message", "attachments": {}},
        {"type": "message", "timestamp": "yesterday"},
        {"type": "message", "timestamp": 5},
    ],
)
def test_a_wrong_shape_is_refused(body: dict[str, Any]) -> None:
    with pytest.raises(ActivityShapeError):
        from_json(Activity, body)


json_scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=8)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None)
@given(
    text=st.text(max_size=30),
    value=json_values,
    locale=st.text(max_size=6),
    name=st.text(max_size=10),
)
def test_any_message_round_trips_like_msrest(text: str, value: Any, locale: str, name: str) -> None:
    body = {
        "type": "message",
        "text": text,
        "value": value,
        "locale": locale,
        "from": {"id": "29:x", "name": name},
        "conversation": {"id": "a:1"},
        "channelData": {"tenant": {"id": "t"}, "any": value},
    }
    ours = from_json(Activity, body)
    theirs = Activity().deserialize(body)
    assert comparable(ours) == comparable(theirs)
    assert to_json(ours) == theirs.serialize()


@given(
    moment=st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2200, 1, 1),
        timezones=st.sampled_from(
            [
                dt.UTC,
                dt.timezone(dt.timedelta(hours=1)),
                dt.timezone(dt.timedelta(hours=-9, minutes=-30)),
            ]
        ),
    ),
    digits=st.integers(0, 7),
    zulu=st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_timestamps_read_like_msrest(moment: dt.datetime, digits: int, zulu: bool) -> None:
    """The fast path for Teams' timestamp shape (datetime.fromisoformat) against msrest's."""
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if digits:
        text += "." + f"{moment.microsecond:06d}{moment.microsecond % 10}"[:digits]
    offset = moment.utcoffset()
    text += (
        "Z"
        if zulu and offset == dt.timedelta(0)
        else moment.strftime("%z")[:3] + ":" + moment.strftime("%z")[3:]
    )
    body = {"type": "message", "timestamp": text, "localTimestamp": text}
    ours = from_json(Activity, body)
    theirs = Activity().deserialize(body)
    assert ours.timestamp == theirs.timestamp
    assert ours.local_timestamp == theirs.local_timestamp
    assert ours.timestamp.utcoffset() == theirs.timestamp.utcoffset()
    assert to_json(ours) == theirs.serialize()


@pytest.mark.parametrize(
    "text", ["2026-13-01T10:00:00Z", "2026-02-30T10:00:00Z", "2026-11-27T25:00:00Z"]
)
def test_an_impossible_timestamp_is_refused(text: str) -> None:
    with pytest.raises(ActivityShapeError):
        from_json(Activity, {"type": "message", "timestamp": text})
