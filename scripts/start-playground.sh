#!/usr/bin/env bash
# The ONE way to start the Microsoft 365 Agents Playground (the local, offline Teams client).
#
#   PORT=3978 PLAYGROUND_PORT=56150 scripts/start-playground.sh
#
# PORT            the bot's port on 127.0.0.1 (default 3978)
# PLAYGROUND_PORT the playground's port (default 56150; 0 = any free port). If the port is busy
#                 the playground silently takes another one: read "Listening on N" from stdout.
#
# Network safety (docs/local-teams-client.md): the playground bundles Application Insights and
# would otherwise try to reach Azure telemetry hosts and 169.254.169.254 at start-up, and open a
# browser. These switches are forced here, whatever the caller's environment says:
#   APPLICATION_INSIGHTS_NO_STATSBEAT=true, TEAMSAPPTESTER_BROWSER=none, --disable-telemetry.
# Automated tests additionally run it inside `unshare -n` (loopback only).
#
# Output is passed through; when stdout is not a terminal the playground prints only
# "Listening on N" and writes its full log to $M365_AGENTS_PLAYGROUND_LOGFILE
# (default data/playground.log). The process is exec'd: this script's PID is the playground's.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/node_modules/.bin/agentsplayground"
BOT_PORT="${PORT:-3978}"
LISTEN_PORT="${PLAYGROUND_PORT:-56150}"

if [[ ! -x "$BIN" ]]; then
  echo "start-playground: $BIN is missing; run 'make install' (npm ci) first." >&2
  exit 127
fi
for value in "$BOT_PORT" "$LISTEN_PORT"; do
  if ! [[ "$value" =~ ^[0-9]+$ ]] || (( value > 65535 )); then
    echo "start-playground: invalid port '$value'" >&2
    exit 2
  fi
done

# --- safety switches (never optional) ---------------------------------------------------------
export APPLICATION_INSIGHTS_NO_STATSBEAT=true
export TEAMSAPPTESTER_BROWSER=none
# No telemetry configuration, proxy or endpoint override may leak in from the environment: the
# playground talks to the bot on 127.0.0.1 and the bot to the playground's own mock connector.
unset APPLICATIONINSIGHTS_CONNECTION_STRING APPINSIGHTS_INSTRUMENTATIONKEY \
  APPINSIGHTS_INSTRUMENTATION_KEY APPSETTING_APPINSIGHTS_INSTRUMENTATION_KEY \
  http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY \
  BOT_ENDPOINT M365_AGENTS_PLAYGROUND_SERVICE_URL M365_AGENTS_PLAYGROUND_CONVERSATION_ID \
  M365_AGENTS_PLAYGROUND_DELIVERY_MODE TEAMSAPPTESTER_PORT
# Always the committed mock tenant (playground/.m365agentsplayground.yml in the cwd below).
unset M365_AGENTS_PLAYGROUND_CONFIG_PATH TEAMS_APP_TEST_TOOL_CONFIG_PATH
# Listen on loopback only (the playground itself would listen on every interface).
export NODE_OPTIONS="--require \"$ROOT/playground/loopback-only.cjs\""

export M365_AGENTS_PLAYGROUND_LOGFILE="${M365_AGENTS_PLAYGROUND_LOGFILE:-$ROOT/data/playground.log}"
mkdir -p "$(dirname "$M365_AGENTS_PLAYGROUND_LOGFILE")"

cd "$ROOT/playground"
exec "$BIN" \
  -e "http://127.0.0.1:${BOT_PORT}/api/messages" \
  -c msteams \
  -p "$LISTEN_PORT" \
  --disable-telemetry
