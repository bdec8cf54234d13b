"""Test helpers shared by several test folders (import as `tests.tools.<module>`)."""
