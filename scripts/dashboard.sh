#!/usr/bin/env bash
# Runs the dashboard: installs npm packages and builds when needed, then serves
# http://$HOST:$PORT (defaults in server/listen-defaults.json: 127.0.0.1:3000) with the embedded database in
# $DATA_DIR (default ./data). Nothing else to install.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v git >/dev/null || { echo "git is required (apt-get install git)" >&2; exit 1; }
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
stamp=.next/BUILD_ID
if [ ! -f "$stamp" ] || [ -n "$(find app components server db lib next.config.ts package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
  npx next build
fi
exec node scripts/start.mjs
