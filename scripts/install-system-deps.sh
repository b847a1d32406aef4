#!/usr/bin/env bash
# Installs the Debian packages jfleet's lab, tests and benchmarks need: a real sshd per simulated
# device (openssh-server), the OpenSSH client, tmux (drives the wizard through a real terminal),
# Debian's chromium (dashboard tests), socat (the uplink of a lab kiosk behind NAT), ansible-core (benchmark peer). Idempotent; needs root.
set -euo pipefail
want=(openssh-server openssh-client socat tmux chromium ansible-core iproute2 util-linux procps iputils-ping curl openssl)
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "install-system-deps: need root to install: ${missing[*]}" >&2; exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian's sshd refuses to start without its privilege-separation directory on the host side too.
mkdir -p /run/sshd
echo "system deps ok: ${want[*]}"
