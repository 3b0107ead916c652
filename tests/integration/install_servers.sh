#!/usr/bin/env bash
# Installs the servers tests/integration starts (PostgreSQL 15, Redis) from Debian's packages when
# they are missing. Never fails: when they cannot be installed the tests that need them skip and
# say why. Package scripts are not allowed to start the services (a policy-rc.d that refuses,
# for the duration of the install only, unless one is in place already).
pg=/usr/lib/postgresql/15/bin/postgres
want=()
[ -x "$pg" ] || want+=(postgresql-15)
command -v redis-server >/dev/null || want+=(redis-server)
[ ${#want[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install_servers.sh: ${want[*]} missing and not installable here (needs root and apt-get):" \
       "the tests that need them will skip" >&2
  exit 0
fi
echo "install_servers.sh: installing ${want[*]} from Debian's packages" >&2
policy=/usr/sbin/policy-rc.d
made_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && made_policy=1
fi
log=$(mktemp)
if ! { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
         --no-install-recommends "${want[@]}"; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  echo "install_servers.sh: could not install ${want[*]}: the tests that need them will skip" >&2
fi
rm -f "$log"
[ -n "$made_policy" ] && rm -f "$policy"
exit 0
