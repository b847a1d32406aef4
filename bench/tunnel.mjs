#!/usr/bin/env node
// Reach behind carrier NAT (issue 11), in one run, on the lab:
//   1. a sweep of N devices reached directly, each behind the lab's emulated 4G link (150 ms each
//      way, 2% loss, 1 Mbit/s), cold then warm (the daemon's kept session);
//   2. the same sweep of N devices behind carrier NAT (their own network namespace), reached
//      through their reverse tunnel to the lab bastion, the same 4G emulation on every uplink;
//      ratio tunnelled / direct (target <= 1.5x), cold and warm;
//   3. idle tunnel bytes per device per day, counted on the device's side of its uplink: TCP payload
//      (the uplink's counters), an estimate of the wire (52 B of header per chunk and an ACK per
//      chunk received), and the wire measured (the IP and TCP counters of the device's own network
//      namespace: every packet of its kernel, headers, bare ACKs and keepalive probes included; see
//      src/lab/reach.ts netCounters for what they count). Two ways of keeping the carrier's NAT
//      binding, measured in the same run: SSH keepalives (ServerAlive, the old default 120 s) and
//      the kernel's TCP keepalive (a bare ACK each way; the default 120 s, with ServerAlive at
//      600 s for end-to-end liveness); target <= 200 KiB/day;
//   4. a month at a 15-minute sweep schedule, measured on that schedule run at 1/20 of real time in a
//      third lab (keepalives and warm sweeps interleaved as in the field), and as the sum of the parts
//      above (reports go from the runner to the central API, not over the kiosk's SIM); target <= 5 MiB.
// The devices' stand-in kiosk is the same on both sides (its page unreachable on both: the probe
// does the same work). Needs root and a build (npm run build). Quick: node bench/tunnel.mjs --n 20
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchContext } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const N = Number(arg('n', 250));
const IDLE_S = Number(arg('idle', 60));
const PROBE_INTERVAL = Number(arg('probe-interval', 10)); // the keepalive used to time exchanges; scaled to the default
const FORKS = Number(arg('forks', 50));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const { startLab } = await import(join(ROOT, 'dist', 'lab', 'lab.js'));
const { runSweep: runSweepWithDb, openPool, keptSession } = await import(join(ROOT, 'dist', 'health', 'sweep.js'));
const { openStateDb } = await import(join(ROOT, 'dist', 'state-db.js'));
const { loadSelection } = await import(join(ROOT, 'dist', 'inventory', 'service.js'));
const { configReader } = await import(join(ROOT, 'dist', 'config', 'config.js'));
const { DEFAULT_KEEPALIVE } = await import(join(ROOT, 'dist', 'inventory', 'bastions.js'));
/** the default before TCP keepalives (SSH keepalives alone keep the NAT binding) */
const SSH_ONLY = { interval: 120, count: 2 };
const inNs = (d, ...args) => execFileSync('nsenter', ['-t', String(d.initPid), '-n', 'sysctl', ...args], { encoding: 'utf8' });
const SCALE = 20; // the schedule phase's time scale (every interval of the defaults / SCALE)
const PERIOD_S = 900; // the sweep schedule the month is for: every 15 minutes
const CYCLES = Number(arg('cycles', 8));
/** only the schedule's lab (its month line), not the sweeps, idle and restart phases */
const SCHEDULE_ONLY = process.argv.includes('--schedule-only');
const TCP_PROBE_S = 5; // the TCP keepalive time set in each device's namespace to time probes (their size does not depend on it)

const LINK = { latencyMs: 150, lossPct: 2, kbps: 1000 };
const HEALTH_YAML = 'thresholds: { load_warn: 1000, load_crit: 1000 }\nconnect_timeout_ms: 60000\ntimeout_ms: 60000\n';
const KIOSK = `mkdir -p /opt/jfleet-kiosk/releases/0.0.0-base/www /etc/jfleet /run/jfleet-kiosk
echo '{"version":"0.0.0-base","files":{}}' > /opt/jfleet-kiosk/releases/0.0.0-base/manifest.json
ln -sfn releases/0.0.0-base /opt/jfleet-kiosk/current
printf 'KIOSK_URL=http://127.0.0.1:1/\\nKIOSK_LISTEN=127.0.0.1:1\\n' > /etc/jfleet/kiosk.env`;
const work = mkdtempSync(join(tmpdir(), 'jfleet-bench-tunnel-'));
const fmt = (ms) => `${(ms / 1000).toFixed(2)} s`;
const kib = (b) => `${(b / 1024).toFixed(1)} KiB`;
const mibs = (b) => `${(b / 1048576).toFixed(2)} MiB`;

const ctxFor = (home, env) => benchContext(configReader, home, env);

async function sweeps(lab, label, extraEnv = {}) {
  writeFileSync(join(lab.inventoryDir, 'health.yaml'), HEALTH_YAML);
  const home = mkdtempSync(join(work, `home-${label}-`));
  const ctx = ctxFor(home, { ...lab.env, ...extraEnv });
  const sel = await loadSelection(ctx, { inventory: lab.inventoryDir });
  const session = keptSession(await openPool(ctx, { connectTimeoutMs: 60000, timeoutMs: 60000 }, sel));
  const one = async () => {
    let db;
    const t0 = performance.now();
    try {
      const s = await runSweepWithDb(ctx, { selection: sel, session, forks: FORKS, db: async () => (db = openStateDb(home)) });
      return { ms: performance.now() - t0, unreachable: s.devices.filter((d) => !d.probe.reachable).length };
    } finally {
      db?.close();
    }
  };
  try {
    const cold = await one();
    const warm = await one();
    console.log(`  ${label}: cold ${fmt(cold.ms)} (${cold.unreachable} unreachable), warm ${fmt(warm.ms)} (${warm.unreachable} unreachable)`);
    return { cold, warm, session, ctx, sel, one };
  } catch (e) {
    await session.pool.closeAll();
    throw e;
  }
}

/** Payload and an estimate of what the 4G link carries: 52 B of IP+TCP header per segment, and the device's ACK of each it receives. */
const wire = (c) => c.up + c.down + 52 * (c.upChunks + c.downChunks) + 52 * c.downChunks;
/** IP+TCP header of an established segment with timestamps (what Linux sends): 20 + 20 + 12 */
const HDR = 52;

/** The namespaces' counters of every device, summed (measured: real IP bytes both ways over the device's hops). */
const netSum = (lab) =>
  lab.devices.reduce(
    (a, d) => {
      const c = lab.netCounters(d.id);
      return { octets: a.octets + c.outOctets, segs: a.segs + c.outSegs, probes: a.probes + c.keepaliveProbes };
    },
    { octets: 0, segs: 0, probes: 0 },
  );
const netDelta = (b, a) => ({ octets: a.octets - b.octets, segs: a.segs - b.segs, probes: a.probes - b.probes });
/** The tunnels' own sockets (device side, tcp_info): payload + a 52 B header per real segment, both ways. */
const sockSum = (lab) =>
  lab.devices.reduce(
    (a, d) => {
      for (const s of lab.tunnelSockets(d.id)) {
        a.bytes += s.bytesSent + s.bytesReceived;
        a.segs += s.segsOut + s.segsIn;
      }
      return a;
    },
    { bytes: 0, segs: 0 },
  );
const sockWire = (b, a) => a.bytes - b.bytes + HDR * (a.segs - b.segs);

console.log(`bench/tunnel: ${N} devices, 4G link ${JSON.stringify(LINK)} on each, forks ${FORKS}; ${new Date().toISOString()}`);
let direct;
let tunnelled;
let tcpEx;
if (!SCHEDULE_ONLY) {
  console.log('\n== direct (each device behind its 4G link)');
  const t0 = Date.now();
  const lab = await startLab({ devices: N, readyTimeoutMs: 180_000 });
  try {
    for (const d of lab.devices) lab.run(d.id, KIOSK);
    for (const d of lab.devices) await lab.addLink(d.id, LINK);
    console.log(`  lab up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const r = await sweeps(lab, 'direct');
    await r.session.pool.closeAll();
    direct = r;
  } finally {
    await lab.stop();
  }
}

if (!SCHEDULE_ONLY) {
  console.log(
    `\n== tunnelled (behind carrier NAT, reverse tunnel to the lab bastion; uplink = the same 4G link; keepalive ${PROBE_INTERVAL} s for the exchange timing)`,
  );
  const t0 = Date.now();
  const lab = await startLab({
    devices: N,
    tunnelled: Array.from({ length: N }, (_, i) => i),
    uplink: LINK,
    tunnelKeepalive: { interval: PROBE_INTERVAL, count: 3 },
    readyTimeoutMs: 180_000,
  });
  try {
    for (const d of lab.devices) lab.run(d.id, KIOSK);
    for (const d of lab.devices) await lab.waitTunnel(d.id, 240_000);
    console.log(`  lab up, every tunnel connected, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const uplinks = lab.devices.map((d) => lab.uplink(d.id));
    const reset = () => {
      for (const u of uplinks) u.resetCounters();
    };
    const sum = () =>
      uplinks.reduce(
        (a, u) => ({
          up: a.up + u.counters.up,
          down: a.down + u.counters.down,
          upChunks: a.upChunks + u.counters.upChunks,
          downChunks: a.downChunks + u.counters.downChunks,
        }),
        { up: 0, down: 0, upChunks: 0, downChunks: 0 },
      );
    reset();
    const r = await sweeps(lab, 'tunnelled');
    // bytes of one warm sweep per device, on the uplinks (payload), and on the tunnels' sockets (measured)
    reset();
    const sock0 = sockSum(lab);
    await r.one();
    const warmSweep = sum();
    const warmSweepMeasured = sockWire(sock0, sockSum(lab)) / N;
    await r.session.pool.closeAll();
    // the key exchange's cost: the same cold sweep with P-256 first (a speed trade the default does not make)
    const p256 = await sweeps(lab, 'tunnelled, P-256 first (JFLEET_SSH_KEX)', { JFLEET_SSH_KEX: 'ecdh-sha2-nistp256,curve25519-sha256' });
    await p256.session.pool.closeAll();
    // the sessions' compression: the same warm sweep without it (config sshCompression: none)
    const plain = await sweeps(lab, 'tunnelled, no compression (JFLEET_SSH_COMPRESSION=none)', { JFLEET_SSH_COMPRESSION: 'none' });
    reset();
    await plain.one();
    const warmSweepPlain = sum();
    await plain.session.pool.closeAll();
    console.log(`\n== ratios (tunnelled / direct, same run)`);
    console.log(
      `  key exchange: cold tunnelled sweep with OpenSSH's order (curve25519 first) / P-256 first: ${(r.cold.ms / p256.cold.ms).toFixed(2)}x (${fmt(r.cold.ms)} vs ${fmt(p256.cold.ms)}); the default stays`,
    );
    console.log(`  cold sweep: ${(r.cold.ms / direct.cold.ms).toFixed(2)}x (${fmt(r.cold.ms)} vs ${fmt(direct.cold.ms)}); target <= 1.5x`);
    console.log(`  warm sweep: ${(r.warm.ms / direct.warm.ms).toFixed(2)}x (${fmt(r.warm.ms)} vs ${fmt(direct.warm.ms)}); target <= 1.5x`);

    // idle: every tunnel, nothing else, for IDLE_S seconds: SSH keepalive exchanges (ServerAlive PROBE_INTERVAL s)
    await sleep(PROBE_INTERVAL * 1000);
    reset();
    const n0 = netSum(lab);
    const s0 = sockSum(lab);
    await sleep(IDLE_S * 1000);
    const idle = sum();
    const nIdle = netDelta(n0, netSum(lab));
    const sIdle = sockWire(s0, sockSum(lab));
    const exchanges = (N * IDLE_S) / PROBE_INTERVAL;
    const sshEx = { payload: (idle.up + idle.down) / exchanges, wire: wire(idle) / exchanges, measured: nIdle.octets / exchanges };
    console.log(
      `\n== idle tunnel (counted on the device side of each uplink, ${N} devices x ${IDLE_S} s at ${PROBE_INTERVAL} s ServerAlive = ${exchanges} exchanges)`,
    );
    console.log(
      `  one SSH keepalive exchange: ${sshEx.payload.toFixed(0)} B payload, ~${sshEx.wire.toFixed(0)} B on the wire estimated, ${sshEx.measured.toFixed(0)} B measured (${(nIdle.segs / exchanges).toFixed(2)} IP packets; TCP keepalive probes sent: ${nIdle.probes})`,
    );
    console.log(
      `  (cross-check: the tunnels' own sockets, payload + 52 B per segment counted by the kernel: ${(sIdle / exchanges).toFixed(0)} B per exchange)`,
    );
    const sweepPer = { payload: (warmSweep.up + warmSweep.down) / N, wire: wire(warmSweep) / N, measured: warmSweepMeasured };
    const plainPer = { payload: (warmSweepPlain.up + warmSweepPlain.down) / N, wire: wire(warmSweepPlain) / N };
    console.log(
      `  one warm sweep over the tunnel: ${kib(sweepPer.payload)} payload, ~${kib(sweepPer.wire)} on the wire estimated, ${kib(sweepPer.measured)} measured per device`,
    );
    console.log(
      `  the same without compression: ${kib(plainPer.payload)} payload, ~${kib(plainPer.wire)} on the wire; compressed / plain: ${(sweepPer.payload / plainPer.payload).toFixed(2)}x payload, ${(sweepPer.wire / plainPer.wire).toFixed(2)}x wire`,
    );
    tunnelled = { sshEx, sweepPer, plainPer };
    // the bastion restarted with every kiosk tunnelled: all back within 5 min, none refused for good
    console.log(`\n== bastion restart with ${N} tunnels`);
    const tr = Date.now();
    await lab.bastion.restart();
    const back = [];
    await Promise.all(
      lab.devices.map(async (d) => {
        await lab.waitTunnel(d.id, 600_000);
        back.push(Date.now() - tr);
      }),
    );
    back.sort((a, b) => a - b);
    const log = readFileSync(join(lab.bastion.rootDir(), 'run/jfleet-lab/sshd.log'), 'utf8');
    const dropped = (log.match(/drop connection #\d+ from .* past MaxStartups|beginning MaxStartups throttling/g) ?? []).length;
    const at = (q) => back[Math.min(back.length - 1, Math.floor(q * back.length))];
    console.log(
      `  all ${back.length} tunnels back in ${fmt(at(1))} (median ${fmt(at(0.5))}, 90% ${fmt(at(0.9))}); target <= 300 s; MaxStartups drops logged: ${dropped} (a dropped attempt is retried by Restart=always)`,
    );
  } finally {
    await lab.stop();
  }
}

if (!SCHEDULE_ONLY) {
  console.log(
    `\n== TCP keepalive probes (a second lab of ${N} tunnelled devices: ServerAlive 3600 s, TCPKeepAlive=yes; the namespace's tcp_keepalive_time set to ${TCP_PROBE_S} s to time them)`,
  );
  const t0 = Date.now();
  const lab = await startLab({
    devices: N,
    tunnelled: Array.from({ length: N }, (_, i) => i),
    uplink: LINK,
    tunnelKeepalive: { interval: 3600, count: 2, tcp: DEFAULT_KEEPALIVE.tcp },
    readyTimeoutMs: 180_000,
  });
  try {
    for (const d of lab.devices) await lab.waitTunnel(d.id, 240_000);
    const keys = ['net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];
    const applied = inNs(lab.devices[0], '-n', ...keys);
    console.log(
      `  lab up, every tunnel connected, in ${((Date.now() - t0) / 1000).toFixed(1)} s; the recipe's drop-in in a device's namespace: ${applied.trim().split(/\s+/).join(' / ')} (time / intvl / probes)`,
    );
    for (const d of lab.devices) inNs(d, '-q', '-w', `net.ipv4.tcp_keepalive_time=${TCP_PROBE_S}`);
    // a timer armed at the drop-in's time fires once more, then re-arms at TCP_PROBE_S: wait for every device's first probe
    const deadline = Date.now() + (DEFAULT_KEEPALIVE.tcp + 30) * 1000;
    while (lab.devices.some((d) => lab.netCounters(d.id).keepaliveProbes === 0) && Date.now() < deadline) await sleep(1000);
    await sleep((TCP_PROBE_S + 1) * 1000);
    const up = lab.devices.map((d) => lab.uplink(d.id));
    for (const u of up) u.resetCounters();
    const n0 = netSum(lab);
    await sleep(IDLE_S * 1000);
    const n = netDelta(n0, netSum(lab));
    const payload = up.reduce((a, u) => a + u.counters.up + u.counters.down, 0);
    tcpEx = { measured: n.octets / n.probes, packets: n.segs / n.probes, payload };
    console.log(
      `  ${n.probes} probes in ${IDLE_S} s: one TCP keepalive exchange ${tcpEx.measured.toFixed(0)} B measured (${tcpEx.packets.toFixed(2)} IP packets); payload on the uplinks meanwhile: ${payload} B (the lab's relay answers the probe itself: see below)`,
    );
  } finally {
    await lab.stop();
  }
}

// The schedule itself, run at 1/SCALE of real time: the defaults' keepalive intervals and the 15-minute
// period all divided by SCALE, so keepalives and sweeps interleave as they do in the field (a sweep's
// traffic restarts both idle timers: the kernel's TCP keepalive counts from the last segment received,
// ssh's ServerAlive from the last packet). Bytes are counted on the tunnels' own sockets (tcp_info:
// payload, retransmissions included, + 52 B per segment both ways, TCP keepalive probes included), whole
// cycles only; a cycle's bytes x 2,880 is the month. The bastion's ClientAlive (660 s) is not scaled: it
// never fires while the device's ServerAlive comes first, at full time as at 1/SCALE.
let schedule;
{
  const alive = DEFAULT_KEEPALIVE.interval / SCALE;
  const tcpS = DEFAULT_KEEPALIVE.tcp / SCALE;
  const periodS = PERIOD_S / SCALE;
  console.log(
    `\n== the schedule, run at 1/${SCALE} of real time (a third lab of ${N} tunnelled devices: ServerAlive ${alive} s x ${DEFAULT_KEEPALIVE.count}, tcp_keepalive_time ${tcpS} s in each namespace, a warm sweep every ${periodS} s; ${CYCLES} cycles measured)`,
  );
  const t0 = Date.now();
  const lab = await startLab({
    devices: N,
    tunnelled: Array.from({ length: N }, (_, i) => i),
    uplink: LINK,
    tunnelKeepalive: { interval: alive, count: DEFAULT_KEEPALIVE.count, tcp: 30 },
    readyTimeoutMs: 180_000,
  });
  try {
    for (const d of lab.devices) lab.run(d.id, KIOSK);
    for (const d of lab.devices) await lab.waitTunnel(d.id, 240_000);
    // the retry interval scaled too: the kernel re-arms the timer at it after each probe (30 s / SCALE, rounded up)
    for (const d of lab.devices) inNs(d, '-q', '-w', `net.ipv4.tcp_keepalive_time=${tcpS}`, `net.ipv4.tcp_keepalive_intvl=${Math.ceil(30 / SCALE)}`);
    console.log(`  lab up, every tunnel connected, in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const r = await sweeps(lab, 'scheduled');
    // the TCP timers armed at the drop-in's 30 s fire once, then re-arm at tcpS
    await sleep(31_000);
    const tunnels = () =>
      lab.devices.map((d) =>
        lab
          .tunnelSockets(d.id)
          .map((s) => s.local)
          .join(),
      );
    const before = tunnels();
    const uplinks = lab.devices.map((d) => lab.uplink(d.id));
    for (const u of uplinks) u.resetCounters();
    const s0 = sockSum(lab);
    const start = performance.now();
    const took = [];
    for (let c = 0; c < CYCLES; c++) {
      const one = await r.one();
      took.push(one.ms);
      if (one.unreachable) console.log(`  cycle ${c + 1}: ${one.unreachable} unreachable`);
      await sleep(Math.max(0, start + (c + 1) * periodS * 1000 - performance.now()));
    }
    const s1 = sockSum(lab);
    const perCycle = sockWire(s0, s1) / N / CYCLES;
    const segs = (s1.segs - s0.segs) / N / CYCLES;
    const payload = uplinks.reduce((a, u) => a + u.counters.up + u.counters.down, 0) / N / CYCLES;
    const after = tunnels();
    const reconnected = after.filter((t, i) => t !== before[i]).length;
    // a tunnel that reconnected restarted its socket's counters: the sum would be short
    if (reconnected) console.log(`  INVALID: ${reconnected} tunnel(s) reconnected while measured; their bytes before it are not counted`);
    // one warm sweep alone, and one one-shot sweep (what a timer's `jfleet sweep` does: every device
    // dialled afresh through the bastion, key exchange and login, then hung up), counted the same way
    let w0 = sockSum(lab);
    await r.one();
    const warmAlone = sockWire(w0, sockSum(lab)) / N;
    await r.session.pool.closeAll();
    await sleep(2000);
    const home = mkdtempSync(join(work, 'home-oneshot-'));
    const ctx = ctxFor(home, lab.env);
    const sel = await loadSelection(ctx, { inventory: lab.inventoryDir });
    w0 = sockSum(lab);
    let db;
    try {
      await runSweepWithDb(ctx, { selection: sel, forks: FORKS, db: async () => (db = openStateDb(home)) });
    } finally {
      db?.close();
    }
    await sleep(2000); // the hang-ups' last segments
    const oneShot = sockWire(w0, sockSum(lab)) / N;
    schedule = { perCycle, segs, reconnected, sweepS: took.reduce((a, b) => a + b, 0) / took.length / 1000 };
    console.log(
      `  per device per cycle: ${schedule.perCycle.toFixed(0)} B measured, ${payload.toFixed(0)} B of it SSH payload, in ${segs.toFixed(1)} segments both ways (TCP keepalive probes and their ACKs included); sweeps took ${schedule.sweepS.toFixed(2)} s on average; tunnels that reconnected while measured: ${reconnected}`,
    );
    console.log(`  a month of it (x 2,880 cycles): ${mibs(2880 * perCycle)} per device; target <= 5 MiB`);
    schedule.oneShotMonth = 2880 * (perCycle - warmAlone + oneShot);
    console.log(
      `  one warm sweep alone: ${warmAlone.toFixed(0)} B a device; one one-shot sweep (a timer's \`jfleet sweep\`: dialled afresh, hung up): ${oneShot.toFixed(0)} B a device (${(oneShot / warmAlone).toFixed(1)}x)`,
    );
    console.log(
      `  a month with one-shot sweeps instead (the cycle above with its warm sweep swapped for a one-shot one; estimated): ${mibs(schedule.oneShotMonth)} per device`,
    );
  } finally {
    await lab.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (!SCHEDULE_ONLY) {
  const { sshEx, sweepPer, plainPer } = tunnelled;
  // per day: SSH-only = one SSH exchange every 120 s; TCP = one SSH exchange every `interval` s and at
  // most interval/tcp TCP probes between two (each resets the other's idle timer; counted high); the
  // bastion's ClientAlive (660 s, src/reach/layout.ts) never fires while the device keeps 600 s
  const dayOf = (ssh, tcp) => ({
    sshOnly: (86400 / SSH_ONLY.interval) * ssh,
    tcp: (86400 / DEFAULT_KEEPALIVE.interval) * (ssh + (DEFAULT_KEEPALIVE.interval / DEFAULT_KEEPALIVE.tcp) * tcp),
  });
  const est = dayOf(sshEx.wire, 2 * HDR); // a bare ACK each way, estimated like the rest
  const meas = dayOf(sshEx.measured, tcpEx.measured);
  const pay = dayOf(sshEx.payload, 0);
  console.log(`\n== idle tunnel per device per day (target <= 200 KiB)`);
  console.log(
    `  SSH keepalives only, ServerAlive ${SSH_ONLY.interval} s x ${SSH_ONLY.count} (the old default): ${kib(pay.sshOnly)} payload, ~${kib(est.sshOnly)} wire estimated, ${kib(meas.sshOnly)} measured`,
  );
  console.log(
    `  TCP keepalive ${DEFAULT_KEEPALIVE.tcp} s + ServerAlive ${DEFAULT_KEEPALIVE.interval} s x ${DEFAULT_KEEPALIVE.count} (the default): ${kib(pay.tcp)} payload, ~${kib(est.tcp)} wire estimated, ${kib(meas.tcp)} measured`,
  );
  const month = (day, s) => 30 * day + 2880 * s;
  console.log(`\n== a month at a 15-minute sweep schedule (reports leave from the runner, not the kiosk); target <= 5 MiB`);
  console.log(
    `  measured on the schedule run at 1/${SCALE} time, the defaults (TCP keepalive ${DEFAULT_KEEPALIVE.tcp} s + ServerAlive ${DEFAULT_KEEPALIVE.interval} s): ${mibs(2880 * schedule.perCycle)} (${schedule.perCycle.toFixed(0)} B a cycle x 2,880)`,
  );
  console.log(`  the parts measured apart and added (30 full days of idle tunnel + 2,880 warm sweeps; high, as a sweep also restarts the idle timers):`);
  console.log(
    `  SSH keepalives only (${SSH_ONLY.interval} s): ${mibs(month(pay.sshOnly, sweepPer.payload))} payload, ~${mibs(month(est.sshOnly, sweepPer.wire))} wire estimated, ${mibs(month(meas.sshOnly, sweepPer.measured))} measured`,
  );
  console.log(
    `  TCP keepalive ${DEFAULT_KEEPALIVE.tcp} s + ServerAlive ${DEFAULT_KEEPALIVE.interval} s: ${mibs(month(pay.tcp, sweepPer.payload))} payload, ~${mibs(month(est.tcp, sweepPer.wire))} wire estimated, ${mibs(month(meas.tcp, sweepPer.measured))} measured`,
  );
  console.log(
    `  (without the sessions' compression, SSH keepalives only: ${mibs(month(pay.sshOnly, plainPer.payload))} payload, ~${mibs(month(est.sshOnly, plainPer.wire))} wire estimated)`,
  );
  console.log(
    `  (the daemon's 15 s keepalive on each kept session, were it on inside the tunnel: ~${mibs((30 * 86400 * sshEx.measured) / 15)} more a month measured; it is off for tunnelled sessions)`,
  );
}
