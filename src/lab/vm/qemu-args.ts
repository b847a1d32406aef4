/**
 * The QEMU command line of a booted lab device, as a pure function of what the tier chose.
 * The network is QEMU's user network with restrict=on on 198.18.0.0/24 (RFC 2544's test range, no
 * private or public address): the only way in is SSH forwarded from 127.0.0.1, the only ways out
 * are guestfwd addresses, each piped by socat to one loopback service of this machine.
 */

/** The guest's network (QEMU's gateway is .2, its DNS .3, the guest gets .15 by DHCP). */
export const GUEST_NET = '198.18.0.0/24';

/** A service of this machine the guest may reach: guest address:port -> 127.0.0.1:hostPort. */
export interface GuestForward {
  guestAddress: string;
  guestPort: number;
  hostPort: number;
}

export interface QemuPlan {
  accel: 'kvm' | 'tcg';
  kernel: string;
  initrd: string;
  rootLabel: string;
  disk: string;
  memoryMiB: number;
  sshPort: number;
  forwards: GuestForward[];
  monitorSocket: string;
  serialLog: string;
  /** extra kernel command line (e.g. "panic=-1" for the KVM probe) */
  append?: string;
}

const ADDR_RE = /^198\.18\.0\.(?:\d{1,3})$/;

export function qemuArgs(p: QemuPlan): string[] {
  for (const f of p.forwards) {
    if (!ADDR_RE.test(f.guestAddress)) throw new Error(`guest forward address ${f.guestAddress} is not in ${GUEST_NET}`);
    for (const n of [f.guestPort, f.hostPort]) if (!Number.isInteger(n) || n < 1 || n > 65535) throw new Error(`bad port ${n} in a guest forward`);
  }
  const net = [
    'user',
    'id=net0',
    'restrict=on',
    `net=${GUEST_NET}`,
    `hostfwd=tcp:127.0.0.1:${p.sshPort}-:22`,
    // cmd: runs once per guest connection (a tcp: chardev would connect once, at start). Its
    // stderr is the guest's connection too (libslirp hands the command the socket as stdin,
    // stdout and stderr): socat logs nowhere, or its "Connection refused" line reaches the guest
    // as an HTTP/0.9 answer from a portal that is down (seen on the booted tier: the kiosk's
    // offline page took that for the portal being back)
    ...p.forwards.map((f) => `guestfwd=tcp:${f.guestAddress}:${f.guestPort}-cmd:socat -lf /dev/null - TCP:127.0.0.1:${f.hostPort}`),
  ].join(',');
  return [
    '-machine',
    'q35',
    '-accel',
    p.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi',
    '-cpu',
    p.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    '2',
    '-m',
    String(p.memoryMiB),
    '-kernel',
    p.kernel,
    '-initrd',
    p.initrd,
    '-append',
    `root=LABEL=${p.rootLabel} rw console=ttyS0${p.append ? ` ${p.append}` : ''}`,
    '-drive',
    `media=disk,format=qcow2,file=${p.disk},if=virtio,cache=unsafe,discard=unmap`,
    '-netdev',
    net,
    '-device',
    'virtio-net-pci,netdev=net0',
    '-device',
    'virtio-rng-pci',
    // virtio-vga is what lets cage start (a DRM device with a connector); no window on the host
    '-vga',
    'none',
    '-device',
    'virtio-vga',
    '-display',
    'none',
    '-monitor',
    `unix:${p.monitorSocket},server,nowait`,
    '-serial',
    `file:${p.serialLog}`,
  ];
}
