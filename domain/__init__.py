"""Domain rules with no botbuilder, aiohttp or SQLAlchemy import: routing, deadlines, numbering."""
