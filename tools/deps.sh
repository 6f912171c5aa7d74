#!/bin/sh
# Installs the Debian packages the build and tests need, with apt-get, only when some are
# missing. Quiet when everything is present; uses sudo when not root.
missing=""
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q >/dev/null || exit 1
$SUDO apt-get install -y -q --no-install-recommends $missing >/dev/null || exit 1
