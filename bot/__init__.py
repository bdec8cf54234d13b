"""Transport and composition: settings, the aiohttp app, the adapter, the Teams handler."""
