/**
 * Lab lifecycle: bring a lab up (claim a slot in the registry, lay out and boot every device,
 * write its inventory), stop it, list and stop registered labs. A lab records its devices' pids
 * in lab.json so `lab down` or a later run can clean up what a crashed run left behind.
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadVillages, type Village } from '../inventory/villages.js';
import { packageSchema, type Package } from '../inventory/schema.js';
import { homePaths } from '../context.js';
import { pidAlive } from '../store/lock.js';
import { LAB_BASE_DIR, freeSlot, isStale, readRegistry, withRegistry, type RegistryEntry } from './registry.js';
import { FALLBACK_SSH_PORT, SSH_PORT, descendants, findInits, killDevice, umountQuiet, waitPort, wildcardSshListener } from './process.js';
import { bootDevice, deviceIds, mountDisk, readHostBase, writeBastionImage, writeDeviceImage, writeKeyPair } from './image.js';
import type { Link } from './link.js';
import {
  addToBastion,
  initBastion,
  netCounters,
  LAB_BASTION_ID,
  revokeOnBastion,
  stageTunnel,
  startUplinks,
  tunnelPublicKey,
  tunnelSockets,
  uplinkHandle,
  writeLabBastions,
  type LabBastion,
} from './reach.js';
import type { Bastion } from '../inventory/bastions.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { faultHandle } from './faults.js';
import type { Lab, LabDevice, LabOptions } from './types.js';
import { updateInventory } from '../inventory/store.js';

/** What a lab's directory records, so `lab down` or a later run can clean it up. */
interface LabState {
  id: string;
  slot: number;
  dir: string;
  devices: Array<{ id: string; address: string; port: number; pid: number; initPid: number; disk: string | null }>;
}

export function labAddress(slot: number, i: number): string {
  return `127.${100 + slot}.${Math.floor(i / 250)}.${1 + (i % 250)}`;
}

/** Real Jember villages, spread round-robin over the districts. */
export function spreadVillages(n: number, codes?: string[]): Village[] {
  const ref = loadVillages();
  if (codes?.length) {
    return Array.from({ length: n }, (_, i) => {
      const code = codes[i % codes.length] ?? '';
      const v = ref.byCode.get(code);
      if (!v) throw new Error(`unknown village code ${code}`);
      return v;
    });
  }
  const districts = [...ref.districts].sort((a, b) => a.code.localeCompare(b.code));
  return Array.from({ length: n }, (_, i) => {
    const d = districts[i % districts.length];
    const v = d?.villages[Math.floor(i / districts.length) % d.villages.length];
    if (!v) throw new Error('the village reference has an empty district');
    return v;
  });
}

/** Stop and remove a lab from its recorded state (used by stop(), `lab down`, stale cleanup). */
export async function destroyLab(dir: string): Promise<void> {
  let state: LabState | undefined;
  try {
    state = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')) as LabState;
  } catch {
    state = undefined;
  }
  if (state) {
    await Promise.all(state.devices.map((d) => killDevice(d, join(dir, 'devices', d.id))));
    for (const d of state.devices) if (d.disk) umountQuiet(d.disk);
  }
  if (dir.startsWith(LAB_BASE_DIR + '/')) rmSync(dir, { recursive: true, force: true });
}

async function cleanStale(reg: { labs: RegistryEntry[] }): Promise<void> {
  const stale = reg.labs.filter(isStale);
  for (const e of stale) await destroyLab(e.dir);
  reg.labs = reg.labs.filter((e) => !stale.includes(e));
}

export function listLabs(): Array<RegistryEntry & { devices: number; stale: boolean; inventoryDir: string }> {
  return readRegistry().labs.map((e) => {
    let devices = 0;
    try {
      devices = (JSON.parse(readFileSync(join(e.dir, 'lab.json'), 'utf8')) as LabState).devices.length;
    } catch {
      /* being set up or gone */
    }
    return { ...e, devices, stale: isStale(e), inventoryDir: join(e.dir, 'inventory') };
  });
}

/** Stop a registered lab (by id, or every persistent one when id is omitted). Returns the ids stopped. */
export async function stopLabs(filter: (e: RegistryEntry) => boolean): Promise<string[]> {
  return withRegistry(async (reg) => {
    const chosen = reg.labs.filter((e) => filter(e) || isStale(e));
    for (const e of chosen) await destroyLab(e.dir);
    reg.labs = reg.labs.filter((e) => !chosen.includes(e));
    return chosen.map((e) => e.id);
  });
}

export async function startLab(opts: LabOptions): Promise<Lab> {
  if (process.getuid?.() !== 0) throw new Error('the lab needs root (mount, unshare, chroot)');
  if (!existsSync('/usr/sbin/sshd')) throw new Error('the lab needs /usr/sbin/sshd (apt-get install -y openssh-server)');
  const n = opts.devices;
  if (!Number.isInteger(n) || n < 1 || n > 5000) throw new Error(`devices must be 1-5000, not ${n}`);
  // a process on 0.0.0.0:22 (a host sshd) takes port 22 on every 127.x address: devices use 2222 then
  const squatter = wildcardSshListener(SSH_PORT);
  const sshPort = squatter ? FALLBACK_SSH_PORT : SSH_PORT;
  const squatter2 = squatter ? wildcardSshListener(FALLBACK_SSH_PORT) : null;
  if (squatter && squatter2) {
    throw new Error(
      `processes listen on 0.0.0.0:22 and 0.0.0.0:2222${squatter.pid ? ` (pid ${squatter.pid}: ${squatter.cmd})` : ''}, which take those ports on every 127.x address, so no lab device can start; stop them (a host sshd: systemctl stop ssh)`,
    );
  }
  const labId = `lab-${process.pid}-${randomBytes(3).toString('hex')}`;
  const { slot, dir } = await withRegistry(async (reg) => {
    await cleanStale(reg);
    const s = freeSlot(reg);
    const d = opts.dir ?? join(LAB_BASE_DIR, labId);
    reg.labs.push({ id: labId, slot: s, dir: d, ownerPid: opts.persistent ? null : process.pid, createdAt: new Date().toISOString() });
    return { slot: s, dir: d };
  });
  try {
    return await bringUp(labId, slot, dir, opts, sshPort);
  } catch (e) {
    await destroyLab(dir).catch(() => undefined);
    await withRegistry((reg) => {
      reg.labs = reg.labs.filter((l) => l.id !== labId);
    }).catch(() => undefined);
    throw e;
  }
}

async function bringUp(labId: string, slot: number, dir: string, opts: LabOptions, sshPort: number): Promise<Lab> {
  const n = opts.devices;
  // a lab directory used before (a fixed dir, e.g. the demo's): its devices start fresh
  if (existsSync(join(dir, 'lab.json'))) {
    await destroyLab(dir);
    rmSync(join(dir, 'devices'), { recursive: true, force: true });
  }
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const home = join(dir, 'home');
  const inventoryDir = join(dir, 'inventory');
  mkdirSync(join(home, 'keys'), { recursive: true, mode: 0o700 });
  const labKey = writeKeyPair(join(dir, 'keys'), 'id_ed25519');
  // the lab key is also this home's fleet key, so `JFLEET_HOME=<lab home> jfleet ...` just works
  const fleetKey = homePaths(home).fleetKey;
  copyFileSync(labKey.priv, fleetKey);
  chmodSync(fleetKey, 0o600);
  copyFileSync(labKey.priv + '.pub', fleetKey + '.pub');
  const passwordOnly = new Set(opts.passwordOnly ?? []);
  const password = opts.password ?? 'lab-' + randomBytes(6).toString('hex');
  const base = readHostBase(passwordOnly.size ? password : null);

  const villages = spreadVillages(n, opts.villages);
  const ids = deviceIds(villages.map((v) => v.name));
  const devDirOf = (d: { id: string }) => join(dir, 'devices', d.id);
  const devices: LabDevice[] = villages.map((village, i) => {
    const id = ids[i] ?? `kiosk-${i + 1}`; // deviceIds gives one id per name
    const devDir = devDirOf({ id });
    const isPw = passwordOnly.has(i);
    const address = labAddress(slot, i);
    const hostKey = writeDeviceImage(devDir, { address, port: sshPort, passwordOnly: isPw, authorizedKey: labKey.pub }, base);
    return {
      id,
      index: i,
      address,
      port: sshPort,
      pid: 0,
      initPid: 0,
      rootDir: '',
      upperDir: join(devDir, 'upper'),
      homeDir: join(devDir, 'home'),
      village,
      hostKey,
      passwordOnly: isPw,
      powered: false,
      nat: false,
    };
  });
  // The inventory of the lab: real villages, key auth with the lab key, host keys pinned.
  const now = new Date().toISOString();
  const pkgOf = (d: LabDevice): Package =>
    packageSchema.parse({
      id: d.id,
      village: d.village.code,
      address: d.address,
      port: sshPort,
      user: 'root',
      tags: ['lab'],
      ...(opts.pinHostKeys === false ? {} : { hostKey: d.hostKey }),
      ...(d.passwordOnly ? {} : { identityFile: labKey.priv }),
      vars: { kiosk_listen: `${d.address}:8080` },
      registeredAt: now,
    });
  const disks = new Map<string, string>();
  if (opts.diskMiB) {
    for (const d of devices) {
      const disk = mountDisk(devDirOf(d), opts.diskMiB);
      disks.set(d.id, disk);
      d.upperDir = join(disk, 'upper');
    }
  }

  const saveState = () => {
    const state: LabState = {
      id: labId,
      slot,
      dir,
      devices: [...devices, ...(bastionDev ? [bastionDev] : [])].map((d) => ({
        id: d.id,
        address: d.address,
        port: sshPort,
        pid: d.pid,
        initPid: d.initPid,
        disk: disks.get(d.id) ?? null,
      })),
    };
    writeFileSync(join(dir, 'lab.json'), JSON.stringify(state, null, 2));
  };

  // ---- the lab bastion and carrier NAT (reach.ts) ----
  const tunnelled = new Set(opts.tunnelled ?? []);
  const wantBastion = Boolean(opts.bastion) || tunnelled.size > 0;
  const bastionAddr = `127.${100 + slot}.254.1`;
  const bastionPorts = [wildcardSshListener(443) ? 8443 : 443, sshPort];
  let bastionDev: LabDevice | undefined;
  let bastion: Bastion | undefined;
  const uplinks = new Map<string, Link[]>();
  const bastionRoot = () => {
    if (!bastionDev?.initPid) throw new Error('the lab has no running bastion');
    return `/proc/${bastionDev.initPid}/root`;
  };

  const boot = (d: LabDevice) => {
    d.pid = bootDevice(devDirOf(d), d.id, disks.get(d.id) ?? null, d.nat ? { host: bastionAddr, ports: bastionPorts } : null);
    d.initPid = 0;
    d.powered = true;
  };

  const readyTimeout = opts.readyTimeoutMs ?? 60_000;
  const bootAndWait = async (list: LabDevice[]) => {
    for (const d of list) boot(d);
    saveState();
    // behind NAT nothing can connect in: such a device is up once its sshd wrote its pid file (after binding)
    const natReady = async (d: LabDevice) => {
      await findInits([d]);
      const deadline = Date.now() + readyTimeout;
      while (!existsSync(`/proc/${d.initPid}/root/run/sshd.pid`)) {
        if (Date.now() > deadline) throw new Error(`lab device ${d.id} (behind NAT) did not start its sshd within ${readyTimeout} ms`);
        await sleep(40);
      }
    };
    await Promise.all(
      list.map((d) =>
        (d.nat ? natReady(d) : waitPort(d.address, d === bastionDev ? (bastionPorts[0] ?? sshPort) : sshPort, readyTimeout)).catch((e: Error) => {
          let log = pidAlive(d.pid) ? 'device process alive' : 'device process exited';
          for (const f of [join(devDirOf(d), 'boot.log'), ...descendants(d.pid).map((p) => `/proc/${p}/root/run/jfleet-lab/sshd.log`)]) {
            try {
              const text = readFileSync(f, 'utf8').trim();
              if (text) log += ` | ${f}: ${text.split('\n').slice(-3).join(' | ')}`;
            } catch {
              /* no log */
            }
          }
          throw new Error(`${e.message}${log ? `: ${log}` : ''}`);
        }),
      ),
    );
    await findInits(list);
    saveState();
  };

  saveState();
  if (wantBastion) {
    const bdir = join(dir, 'devices', LAB_BASTION_ID);
    const hostKeyLine = writeBastionImage(bdir, bastionAddr, bastionPorts, base);
    bastionDev = {
      id: LAB_BASTION_ID,
      index: -1,
      address: bastionAddr,
      port: bastionPorts[0] ?? sshPort,
      pid: 0,
      initPid: 0,
      rootDir: '',
      upperDir: join(bdir, 'upper'),
      homeDir: join(bdir, 'home'),
      village: villages[0] ?? spreadVillages(1)[0]!,
      hostKey: '',
      passwordOnly: false,
      powered: false,
      nat: false,
    };
    await bootAndWait([bastionDev]);
    // the layout of `jfleet bastion init --apply`, by its own code, on the bastion's running root
    initBastion(bastionRoot(), bastionPorts, labKey.pub);
    // then sshd starts afresh on it (the drop-in is in its upper layer, the socket directories come from tmpfiles)
    await killDevice(bastionDev, bdir);
    bastionDev.initPid = 0;
    await bootAndWait([bastionDev]);
    bastion = writeLabBastions(inventoryDir, { address: bastionAddr, ports: bastionPorts, hostKey: hostKeyLine }, opts.tunnelKeepalive ?? {});
    for (const d of devices) {
      if (!tunnelled.has(d.index)) continue;
      d.nat = true;
      const pub = await stageTunnel(d.upperDir, { ...pkgOf(d), reach: 'tunnel', bastion: LAB_BASTION_ID }, bastion);
      addToBastion(bastionRoot(), d.id, pub);
      uplinks.set(d.id, await startUplinks(join(devDirOf(d), 'boot'), { address: bastionAddr, ports: bastionPorts }, opts.uplink ?? {}));
    }
  }
  await bootAndWait(devices);

  const packages: Package[] = devices.map((d) => ({ ...pkgOf(d), ...(d.nat ? { reach: 'tunnel' as const, bastion: LAB_BASTION_ID } : {}) }));
  await editInventory(inventoryDir, () => packages);

  const byId = new Map(devices.map((d) => [d.id, d]));
  const device = (id: string): LabDevice => {
    const d = byId.get(id);
    if (!d) throw new Error(`no lab device ${id}`);
    return d;
  };
  const { closeLinks, ...faults } = faultHandle({
    device,
    devDirOf,
    disks,
    sshPort,
    saveState,
    bootAndWait,
    setInventoryPort: (id, port) =>
      editInventory(inventoryDir, (pkgs) => {
        for (const p of pkgs) if (p.id === id) p.port = port;
      }),
  });
  let stopped = false;

  const labBastion: LabBastion | undefined = bastionDev && {
    id: LAB_BASTION_ID,
    address: bastionAddr,
    ports: bastionPorts,
    hostKey: bastion?.hostKey ?? '',
    rootDir: bastionRoot,
    socketOf: (id) => `${bastionRoot()}/run/jfleet/${id}/ssh.sock`,
    async restart() {
      const b = bastionDev!;
      await killDevice(b, join(dir, 'devices', LAB_BASTION_ID));
      b.initPid = 0;
      await bootAndWait([b]);
    },
    revoke: (id) => revokeOnBastion(bastionRoot(), id),
    add: (id, publicKey) => addToBastion(bastionRoot(), id, publicKey),
  };

  return {
    id: labId,
    dir,
    slot,
    devices,
    inventoryDir,
    home,
    keyFile: labKey.priv,
    publicKey: labKey.pub,
    password,
    env: { JFLEET_HOME: home, JFLEET_INVENTORY: inventoryDir, JFLEET_KEY_FILE: labKey.priv },
    device,
    ...faults,
    bastion: labBastion,
    uplink(id, port) {
      const l = uplinks.get(id);
      if (!l) throw new Error(`${id} is not behind NAT (no uplink)`);
      if (port === undefined) return uplinkHandle(l);
      // one link per bastion port, in the order of bastionPorts (startUplinks)
      const one = l[bastionPorts.indexOf(port)];
      if (!one) throw new Error(`${port} is not a port of the lab bastion (${bastionPorts.join(', ')})`);
      return uplinkHandle([one]);
    },
    async goBehindNat(id) {
      const d = device(id);
      if (!bastionDev || !bastion) throw new Error('goBehindNat needs a lab started with bastion: true');
      addToBastion(bastionRoot(), id, tunnelPublicKey(d.upperDir));
      await faults.powerOff(id);
      d.nat = true;
      if (!uplinks.has(id)) uplinks.set(id, await startUplinks(join(devDirOf(d), 'boot'), { address: bastionAddr, ports: bastionPorts }, opts.uplink ?? {}));
      await faults.powerOn(id);
      await editInventory(inventoryDir, (pkgs) => {
        for (const p of pkgs) if (p.id === id) Object.assign(p, { reach: 'tunnel', bastion: LAB_BASTION_ID });
      });
    },
    netCounters(id) {
      const d = device(id);
      if (!d.nat) throw new Error(`${id} is not behind NAT (it shares the host's network namespace)`);
      return netCounters(d.initPid);
    },
    tunnelSockets(id) {
      const d = device(id);
      if (!d.nat) throw new Error(`${id} is not behind NAT (it shares the host's network namespace)`);
      return tunnelSockets(d.initPid, bastionAddr);
    },
    async waitTunnel(id, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (!existsSync(`${bastionRoot()}/run/jfleet/${id}/ssh.sock`)) {
        if (Date.now() > deadline) throw new Error(`the tunnel of ${id} did not reach the bastion within ${timeoutMs} ms`);
        await sleep(100);
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await closeLinks();
      for (const l of uplinks.values()) for (const x of l) await x.close().catch(() => undefined);
      await withRegistry(async (reg) => {
        await destroyLab(dir);
        reg.labs = reg.labs.filter((l) => l.id !== labId);
      });
    },
  };
}

/** The lab's edits of its inventory (write the devices, point one at its link proxy) go through the inventory's writer. */
async function editInventory(dir: string, fn: (packages: Package[]) => Package[] | void): Promise<void> {
  await updateInventory(dir, fn);
}
