#!/usr/bin/env bash
# Installs the Debian packages jfleet's lab, tests and benchmarks need: a real sshd per simulated
# device (openssh-server), the OpenSSH client, tmux (drives the wizard through a real terminal),
# Debian's chromium (dashboard tests), ansible-core (benchmark peer), and the booted tier's tools:
# mmdebstrap (builds the bare Debian image from the mirror), qemu-system-x86 + qemu-utils (boot it),
# apt-cacher-ng (the apt proxy the guest installs through), socat (pipes the guest's forwards to
# loopback; the uplink of a lab kiosk behind NAT), e2fsprogs (mkfs.ext4 -d), systemd (systemd-analyze
# verify checks the units schedule install writes). Idempotent; needs root.
set -euo pipefail
want=(openssh-server openssh-client tmux chromium ansible-core iproute2 util-linux procps iputils-ping curl openssl
  mmdebstrap qemu-system-x86 qemu-utils apt-cacher-ng socat e2fsprogs systemd)
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
