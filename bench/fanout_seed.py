"""Subscribers for the announcement fan-out scenario, written through the product's storage API
in a child process: `python -m bench.fanout_seed --service-url URL --run NAME --count N`
(DATABASE_URL and DATA_DIR from the environment, as for `python -m bot`).

Each subscriber is what "abonnér på kurser" in their own 1:1 chat leaves behind: the personal
conversation's reference, built from a Teams-shaped activity by the same botbuilder call the
bot uses on every turn (`TurnContext.get_conversation_reference`, without the person's name),
stored with `ConversationReferences.remember`, and the subscription
(`Training.subscribe`). Doing it over HTTP would take 10,000 turns (about a minute) and measure
nothing the referral scenarios do not already measure.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import UTC, datetime

from bench.activities import Activities


async def seed(service_url: str, run: str, count: int, concurrency: int = 16) -> int:
    from botbuilder.core import TurnContext
    from botbuilder.schema import Activity

    from bot.app import build_cipher
    from bot.settings import load_settings
    from storage.conversations import ConversationReferences
    from storage.engine import create_engine
    from storage.training import Training

    settings = load_settings()
    engine = create_engine(settings.effective_database_url)
    references = ConversationReferences(engine)
    training = Training(engine, build_cipher(settings))
    gate = asyncio.Semaphore(concurrency)
    now = datetime.now(UTC)

    async def one(number: int) -> None:
        person = Activities(service_url=service_url, run=run, user=number)
        activity = Activity().deserialize(json.loads(person.message("abonnér på kurser")))
        reference = TurnContext.get_conversation_reference(activity).serialize()
        reference["user"].pop("name", None)
        aad = activity.from_property.aad_object_id
        async with gate:
            await references.remember(
                conversation_id=activity.conversation.id,
                conversation_type="personal",
                service_url=service_url,
                reference=reference,
                tenant_id=activity.conversation.tenant_id,
                user_id=activity.from_property.id,
                user_aad_object_id=aad,
            )
            await training.subscribe(aad, language="da", now=now)

    try:
        await asyncio.gather(*(one(number) for number in range(count)))
        return await training.subscriber_count()
    finally:
        await engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fanout_seed", description=__doc__)
    parser.add_argument("--service-url", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--count", type=int, required=True)
    args = parser.parse_args()
    stored = asyncio.run(seed(args.service_url, args.run, args.count))
    print(f"subscribers: {stored}")
    return 0 if stored >= args.count else 1


if __name__ == "__main__":
    sys.exit(main())
