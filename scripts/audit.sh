#!/usr/bin/env bash
# Dependency audit: the real pip-audit against the advisory snapshot shipped in
# security/advisories/, served by security/osv_server.py on 127.0.0.1 (a free port) for the
# length of the run. Audits the runtime dependencies installed in .venv (what `pip install .`
# brings, without the dev extra), resolves nothing and asks no package index. Exits non-zero
# on any finding, and when a runtime dependency is missing from the snapshot.
#   scripts/audit.sh                 # the installed runtime dependencies
#   scripts/audit.sh -r FILE         # a pinned requirements file instead
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m security.audit "$@"
