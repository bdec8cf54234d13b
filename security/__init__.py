"""Dependency audit: a shipped OSV advisory snapshot, a loopback OSV query server and the
pip-audit run against them (security/advisories/README.md, docs/privacy.md)."""
