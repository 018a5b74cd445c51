#!/usr/bin/env bash
# Runs every test of Bisect Dashboard on a fresh Debian machine: installs what
# the tests need when it is missing (Debian packages, npm packages), starts its
# own throwaway services (a private PostgreSQL cluster, sshd test hosts are
# started by the tests themselves), and stops them.
set -euo pipefail
cd "$(dirname "$0")/.."

need_debs=()
for pkg in git chromium openssh-server openssh-client nftables iproute2 postgresql procps python3 ccache make gcc; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_debs+=("$pkg")
done
if [ ${#need_debs[@]} -gt 0 ]; then
  echo "== installing Debian packages: ${need_debs[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_debs[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci --no-audit --no-fund
fi

echo "== typecheck"
npx tsc --noEmit -p .

echo "== unit and integration tests (PGlite)"
npx vitest run

echo "== integration tests on PostgreSQL"
scripts/pg-temp.sh npx vitest run server/sessions db server/import server/shares server/export server/hosts/service.test.ts test/runners.test.ts server/notifications

echo "== build"
npx next build >/tmp/bisect-next-build.log 2>&1 || { cat /tmp/bisect-next-build.log; exit 1; }

echo "== end-to-end tests (Chromium)"
npx playwright test

echo "== end-to-end: web server with ENGINE=off and a runner process on PostgreSQL (Chromium)"
E2E_RUNNERS=1 scripts/pg-temp.sh npx playwright test

echo "== all tests passed"
