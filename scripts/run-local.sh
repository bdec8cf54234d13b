#!/usr/bin/env bash
# `make run`: the bot on SQLite plus the Microsoft 365 Agents Playground, a local Teams client
# that needs no tenant and no internet. The Makefile has created .venv and installed the npm
# packages before this runs.
#
#   1. migrate the database (SQLite in ./data unless DATABASE_URL says otherwise)
#   2. seed demo data, if this version of the bot has `python -m bot seed`
#   3. start the bot on 127.0.0.1:$PORT (development mode: loopback only, no authentication)
#   4. wait for GET /healthz = 200
#   5. start the playground (scripts/start-playground.sh, which forces the safety switches)
#   6. print the address to open; Ctrl-C stops both
#
# PORT (bot, default 3978) and PLAYGROUND_PORT (default 56150) can be overridden.
# See docs/local-teams-client.md.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

PY="$ROOT/.venv/bin/python"
export PORT="${PORT:-3978}"
export PLAYGROUND_PORT="${PLAYGROUND_PORT:-56150}"
HEALTH_URL="http://127.0.0.1:${PORT}/healthz"

# The playground cannot authenticate to a bot that has an Azure app id, and a bot with one would
# listen on every interface: a local run is always development mode.
unset MicrosoftAppId MicrosoftAppPassword MicrosoftAppType MicrosoftAppTenantId

say() { printf '\033[1m[run-local]\033[0m %s\n' "$*" >&2; }

if [[ ! -x "$PY" ]]; then
  say "missing $PY: run 'make run' (it creates the virtualenv) instead of this script."
  exit 1
fi

BOT_PID=""
PG_PID=""
TAIL_PID=""
INTERRUPTED=""
PG_OUT="$(mktemp -t vink-playground.XXXXXX)"

alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

# Stop one child: SIGTERM, up to 5 s to exit, then SIGKILL.
stop_pid() {
  local pid="$1"
  [[ -z "$pid" ]] && return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do alive "$pid" || break; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

stop() {
  stop_pid "$PG_PID"
  # Ctrl-C in a terminal reaches the bot too (aiohttp handles SIGINT and shuts down cleanly);
  # a second signal during its shutdown would cut the clean-up short, so give it a moment.
  if [[ -n "$INTERRUPTED" ]]; then
    for _ in $(seq 30); do alive "$BOT_PID" || break; sleep 0.1; done
  fi
  stop_pid "$BOT_PID"
  stop_pid "$TAIL_PID"
  rm -f "$PG_OUT"
}
trap stop EXIT
trap 'INTERRUPTED=1; say "stopping"; exit 130' INT
trap 'exit 143' TERM

say "migrating the database (${DATABASE_URL:-sqlite: data/bot.sqlite3})"
mkdir -p data
"$PY" -m bot migrate

if "$PY" -m bot seed --help >/dev/null 2>&1; then
  say "seeding demo data"
  "$PY" -m bot seed
fi

say "starting the bot on 127.0.0.1:${PORT}"
"$PY" -m bot &
BOT_PID=$!

healthy() {
  "$PY" - "$HEALTH_URL" <<'EOF' >/dev/null 2>&1
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=2) as response:
    sys.exit(0 if response.status == 200 else 1)
EOF
}
for _ in $(seq 150); do
  if ! alive "$BOT_PID"; then
    say "the bot exited during start-up (is port ${PORT} already in use?)"
    exit 1
  fi
  healthy && break
  sleep 0.2
done
if ! healthy; then
  say "the bot did not answer ${HEALTH_URL} with 200 within 30 s"
  exit 1
fi
say "bot is healthy: ${HEALTH_URL}"

say "starting the Agents Playground (telemetry off, loopback only)"
scripts/start-playground.sh >"$PG_OUT" 2>&1 &
PG_PID=$!

LISTEN=""
for _ in $(seq 150); do
  LISTEN="$(sed -n 's/^Listening on \([0-9][0-9]*\)$/\1/p' "$PG_OUT" | head -n 1)"
  [[ -n "$LISTEN" ]] && break
  if ! alive "$PG_PID"; then
    cat "$PG_OUT" >&2
    say "the playground exited during start-up"
    exit 1
  fi
  sleep 0.2
done
if [[ -z "$LISTEN" ]]; then
  cat "$PG_OUT" >&2
  say "the playground did not report its port within 30 s"
  exit 1
fi
# Pass the playground's further output through (line 1 is "Listening on N", reported below;
# its full log is in data/playground.log).
tail -n +2 -f "$PG_OUT" >&2 &
TAIL_PID=$!
if [[ "$PLAYGROUND_PORT" != 0 && "$LISTEN" != "$PLAYGROUND_PORT" ]]; then
  say "port ${PLAYGROUND_PORT} was busy; the playground took ${LISTEN}"
fi

cat >&2 <<EOF

  Open http://127.0.0.1:${LISTEN} in your browser to chat with the bot
  (you are "Mette Hansen" in the mock tenant of playground/.m365agentsplayground.yml).
  The bot and the playground listen on 127.0.0.1 only and all chat traffic stays on this
  machine (the web page itself may ask your browser for fonts and icons from Microsoft's CDN).
  Press Ctrl-C to stop both.

EOF

# Run until either process ends (or Ctrl-C); the EXIT trap stops the other one.
set +e
wait -n "$BOT_PID" "$PG_PID"
status=$?
set -e
if alive "$BOT_PID"; then
  say "the playground stopped (exit ${status}); stopping the bot"
else
  say "the bot stopped (exit ${status}); stopping the playground"
fi
exit "$status"
