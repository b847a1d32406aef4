/**
 * The simulated kiosk fleet: N devices, each a real OpenSSH sshd on its own loopback address,
 * with its own host key, hostname (UTS namespace), process table (PID namespace), mounts and a
 * copy-on-write root (overlay: lower = host /, upper per device, so a test sees in upperDir
 * exactly what the device changed). /root is a fresh per-device home (skeleton dotfiles and the
 * lab key only: no pyenv .bashrc, which costs ~150 ms per command, and none of the host's
 * credentials); /run and /tmp are fresh tmpfs. PID 1 of each device is the lab init
 * (init-script.ts): sshd plus the units enabled under multi-user.target.wants.
 *
 * Everything the lab starts is tracked by pid and stopped by pid (never by name): a device is
 * `setsid unshare --pid --kill-child ...`, so killing that one pid takes its whole PID namespace
 * (and with it every mount of its private mount namespace) down. Labs register under a lock in
 * /run/jfleet-lab (registry.ts) to get a unique 127.<100+slot>.0.0/16 range and directory; a lab
 * left behind by a crashed run is cleaned by the next one.
 *
 * The code is in four rooms: process.ts (pids, ports, mounts), image.ts (what a device boots
 * from), lifecycle.ts (up, down, the registry) and faults.ts (what a test does to a device);
 * types.ts holds the shapes. This module is the lab's public face.
 *
 * Shipping code: `jfleet lab up|down|status` and the tests (test/lab/) both use it.
 */
export type { Lab, LabDevice, LabOptions } from './types.js';
export { SSH_PORT, FALLBACK_SSH_PORT, wildcardSshListener } from './process.js';
export { startLab, stopLabs, listLabs, destroyLab, labAddress, spreadVillages } from './lifecycle.js';
export { fingerprintOfPublicKey } from '../transport/fingerprint.js';
