#!/usr/bin/env bash
# Fetch the pinned libuv release tarball from Debian's package archive into vendor/dl/ and check
# its sha256 against vendor/libuv.pin. Nothing is built here: setup.py compiles libuv's sources
# itself (vendor/build_libuv.py), and `make sdist` puts this tarball into the sdist.
#
# The archive mirror is read from this machine's own apt configuration; nothing is written to it:
# a temporary deb-src list and list directory are handed to apt-get with -o options.
#
# Usage: vendor/fetch_libuv.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source=/dev/null
. "$here/libuv.pin"

[ $# -eq 0 ] || { echo "fetch_libuv.sh: takes no arguments" >&2; exit 2; }

die() { echo "fetch_libuv.sh: error: $*" >&2; exit 1; }

dl="$here/dl"
tarball="$dl/$LIBUV_TARBALL"
mkdir -p "$dl"

sha_ok() { [ -f "$1" ] && echo "$LIBUV_SHA256  $1" | sha256sum --check --status; }

mirror_uri() {
  # First Debian archive URI (not the security archive) from the apt sources, deb822 or one-line.
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    uri=$(awk 'tolower($1)=="uris:" {for (i=2;i<=NF;i++) print $i}' "$f" | grep -v -- '-security' | head -n1)
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    uri=$(awk '$1=="deb" || $1=="deb-src" {for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) {print $i; break}}' "$f" \
          | grep -v -- '-security' | head -n1)
    [ -n "$uri" ] && { echo "$uri"; return 0; }
  done
  return 1
}

if sha_ok "$tarball"; then
  exit 0    # already here and matching the pin
fi
rm -f "$tarball"
command -v apt-get >/dev/null || die "apt-get is needed to fetch libuv $LIBUV_VERSION (or set NIXLOOP_USE_SYSTEM_LIBUV=1)"
uri=$(mirror_uri) || die "no Debian archive found in the apt sources of this machine"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/parts" "$tmp/lists/partial" "$tmp/cache/archives/partial" "$tmp/get"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
opt=""
[ -f "$keyring" ] && opt="[signed-by=$keyring] "
echo "deb-src ${opt}${uri} ${LIBUV_DEBIAN_SUITE} main" > "$tmp/parts/nixloop-libuv.list"
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$tmp/parts"
          -o "Dir::State::Lists=$tmp/lists" -o "Dir::Cache=$tmp/cache" -o "APT::Sandbox::User=root")
echo "fetch_libuv.sh: fetching libuv $LIBUV_VERSION (Debian source $LIBUV_DEBIAN_VERSION)" >&2
apt-get -q "${apt_opts[@]}" update >"$tmp/update.log" 2>&1 \
  || { cat "$tmp/update.log" >&2; die "apt-get update of the temporary deb-src list failed"; }
(cd "$tmp/get" && apt-get -q "${apt_opts[@]}" source --download-only "libuv1=$LIBUV_DEBIAN_VERSION") \
  >"$tmp/source.log" 2>&1 || { cat "$tmp/source.log" >&2; die "download of libuv1 $LIBUV_DEBIAN_VERSION failed"; }
[ -f "$tmp/get/$LIBUV_TARBALL" ] || die "download did not produce $LIBUV_TARBALL"
echo "$LIBUV_SHA256  $tmp/get/$LIBUV_TARBALL" | sha256sum --check --status \
  || die "checksum mismatch for $LIBUV_TARBALL: got $(sha256sum "$tmp/get/$LIBUV_TARBALL" | cut -d' ' -f1), want $LIBUV_SHA256"
mv "$tmp/get/$LIBUV_TARBALL" "$tarball"
echo "fetch_libuv.sh: fetched $tarball" >&2
