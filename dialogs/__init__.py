"""Conversation: dialogs, card templates and the text catalogue (Danish and English).

Plain data in, plain data out (`dialogs.turn`); no botbuilder or aiohttp import here."""
