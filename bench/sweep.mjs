#!/usr/bin/env node
// Health sweeps on the lab, in one run:
//   1. cold sweeps (new connections) and warm sweeps (the daemon's kept session: open connections
//      and one kept shell per device) of N devices for each size: wall time, client CPU per
//      device, peak RSS (warm: with N connections open);
//   2. the cold sweep as a user runs it (`jfleet sweep`, node start-up included) against the same
//      probe script run by Ansible (ansible-playbook, shell module, forks 50), at --ansible-sizes;
//   3. a sweep of --n4g devices, each behind the lab's emulated 4G link (150 ms each way, 2% loss,
//      1 Mbit/s), with the bytes on the wire per device (TCP payload both ways, counted by a relay
//      in front of each link), cold and warm.
// Targets (issue 5): cold >= 10x faster than Ansible; warm 250 within 2 s; < 150 MiB RSS at 250
// open connections; cost linear in N; 4G: 100 devices within 10 s and <= 20 KB/device/sweep.
// Needs root (the lab) and a build (npm run build). Quick try:
//   node bench/sweep.mjs --sizes 20 --ansible-sizes 20 --n4g 10
// Full:  node bench/sweep.mjs            (sizes 100,250,500; ansible at 100; 4G at 100)
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchContext, run } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const list = (s) => (s === '' || s === 'none' ? [] : String(s).split(',').map(Number));
const SIZES = list(arg('sizes', '100,250,500'));
const ANSIBLE_SIZES = process.argv.includes('--skip-ansible') ? [] : list(arg('ansible-sizes', '100'));
const N4G = process.argv.includes('--skip-4g') ? 0 : Number(arg('n4g', 100));
const WARM_ROUNDS = Number(arg('rounds', 3));
const COLD_ROUNDS = Number(arg('cold-rounds', 3));
const FORKS = Number(arg('forks', 50));
const WARM_FORKS = Number(arg('warm-forks', 100));
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin', 'jfleet.js');

const { startLab } = await import(join(ROOT, 'dist', 'lab', 'lab.js'));
const { runSweep: runSweepWithDb, openPool, keptSession, targetsFor } = await import(join(ROOT, 'dist', 'health', 'sweep.js'));
const { openStateDb } = await import(join(ROOT, 'dist', 'state-db.js'));
const { probeCommand } = await import(join(ROOT, 'dist', 'health', 'probe.js'));
const { loadSelection } = await import(join(ROOT, 'dist', 'inventory', 'service.js'));
const { DEFAULT_SETTINGS } = await import(join(ROOT, 'dist', 'health', 'settings.js'));
const { configReader } = await import(join(ROOT, 'dist', 'config', 'config.js'));

/** A sweep that opens and closes the state database itself, as runSweep did before it was handed one. */
async function runSweep(ctx, opts) {
  let db;
  try {
    return await runSweepWithDb(ctx, { ...opts, db: async () => (db = openStateDb(ctx.home)) });
  } finally {
    db?.close();
  }
}

const fmt = (ms) => (ms / 1000).toFixed(2) + ' s';
const mib = (b) => (b / 1048576).toFixed(0) + ' MiB';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const HEALTH_YAML = 'thresholds: { load_warn: 1000, load_crit: 1000 }\nconnect_timeout_ms: 20000\ntimeout_ms: 20000\n';

/** Peak RSS while fn runs (sampled every 20 ms). */
async function measure(fn) {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    const value = await fn();
    const wallMs = performance.now() - t0;
    const c = process.cpuUsage(cpu0);
    peak = Math.max(peak, process.memoryUsage().rss);
    return { value, wallMs, cpuMs: (c.user + c.system) / 1000, peak };
  } finally {
    clearInterval(timer);
  }
}

const ctxFor = (home, env) => benchContext(configReader, home, env);

/**
 * The same stand-in kiosk as the health tests: release, kiosk.env, a browser pid; one page
 * server for all devices, in its own process so the sweep being measured does not slow it down.
 */
async function startPage() {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const s=require('node:http').createServer((q,r)=>r.end('<!doctype html><title>kiosk</title>'));s.listen(0,'127.0.0.1',()=>console.log(s.address().port))`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await new Promise((resolve) => child.stdout.once('data', (b) => resolve(Number(String(b).trim()))));
  return { listen: `127.0.0.1:${port}`, close: async () => void child.kill() };
}
const kioskScript = (listen) => `mkdir -p /opt/jfleet-kiosk/releases/0.0.0-base/www /etc/jfleet /run/jfleet-kiosk
echo '{"version":"0.0.0-base","files":{}}' > /opt/jfleet-kiosk/releases/0.0.0-base/manifest.json
ln -sfn releases/0.0.0-base /opt/jfleet-kiosk/current
printf 'KIOSK_URL=http://127.0.0.1:1/\\nKIOSK_LISTEN=${listen}\\n' > /etc/jfleet/kiosk.env
setsid sleep 1000000 </dev/null >/dev/null 2>&1 &
echo $! > /run/jfleet-kiosk/browser.pid`;

async function labWithKiosk(n, page) {
  const t0 = Date.now();
  const lab = await startLab({ devices: n });
  for (const d of lab.devices) lab.run(d.id, kioskScript(page.listen));
  writeFileSync(join(lab.inventoryDir, 'health.yaml'), HEALTH_YAML);
  console.log(`  lab of ${n} up (with kiosk stand-ins) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return lab;
}

function summarise(s) {
  const bad = Object.entries(s.counts)
    .filter(([k, v]) => k !== 'ok' && v > 0)
    .map(([k, v]) => `${k} ${v}`);
  if (!bad.length) return '(all ok)';
  const why = new Map();
  for (const d of s.devices) for (const c of d.status.checks) if (c.state !== 'ok' && c.state !== 'unknown') why.set(c.name, (why.get(c.name) ?? 0) + 1);
  return `(${bad.join(', ')}; ${[...why].map(([k, v]) => `${k} ${v}`).join(', ')})`;
}

console.log(
  `bench/sweep: sizes ${SIZES.join(',') || '-'}, ansible at ${ANSIBLE_SIZES.join(',') || '-'}, 4G at ${N4G || '-'}, forks ${FORKS} (warm ${WARM_FORKS})`,
);
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
const page = await startPage();
const rows = [];
const work = mkdtempSync(join(tmpdir(), 'jfleet-bench-sweep-'));
try {
  for (const n of [...new Set([...SIZES, ...ANSIBLE_SIZES])].sort((a, b) => a - b)) {
    console.log(`\n== ${n} devices`);
    const lab = await labWithKiosk(n, page);
    try {
      const home = mkdtempSync(join(work, `home-${n}-`));
      const ctx = ctxFor(home, lab.env);
      const sel = await loadSelection(ctx, { inventory: lab.inventoryDir });
      const row = { n };
      if (SIZES.includes(n)) {
        const cold = await measure(() => runSweep(ctx, { selection: sel, forks: FORKS }));
        row.cold = cold;
        console.log(
          `  cold sweep (in-process):  ${fmt(cold.wallMs)} wall, ${(cold.cpuMs / n).toFixed(1)} ms client CPU/device, peak RSS ${mib(cold.peak)} ${summarise(cold.value)}`,
        );
        const session = keptSession(await openPool(ctx, DEFAULT_SETTINGS, sel));
        try {
          await runSweep(ctx, { selection: sel, session, forks: FORKS }); // opens the connections
          const warm = [];
          for (let i = 0; i < WARM_ROUNDS; i++) warm.push(await measure(() => runSweep(ctx, { selection: sel, session, forks: WARM_FORKS })));
          const w = warm.sort((a, b) => a.wallMs - b.wallMs)[Math.floor(warm.length / 2)];
          row.warm = w;
          console.log(
            `  warm sweep (kept session):${fmt(w.wallMs)} wall (median of ${WARM_ROUNDS}), ${(w.cpuMs / n).toFixed(1)} ms client CPU/device, RSS ${mib(Math.max(...warm.map((x) => x.peak)))} with ${session.connected.size} connections open ${summarise(w.value)}`,
          );
          row.warmPeak = Math.max(...warm.map((x) => x.peak));
          // the floor on this machine right now: "true" on every device over the same kept shells
          // (what a warm probe rides on), and as one exec each over the same connections
          const { fanOut } = await import(join(ROOT, 'dist', 'transport', 'fanout.js'));
          const shells = [...session.shells.values()].map((s) => s.probe.shell);
          const shellFloor = await measure(() => fanOut(shells, WARM_FORKS, (sh) => sh.run('true')));
          const floor = await measure(() => fanOut(sel.packages, WARM_FORKS, async (p) => (await session.pool.get(p)).exec('true')));
          row.floor = shellFloor;
          console.log(
            `  floor ("true" in the ${shells.length} kept shells): ${fmt(shellFloor.wallMs)} wall -> the probe's own work on the devices costs ${fmt(w.wallMs - shellFloor.wallMs)} over it`,
          );
          console.log(
            `  (one exec of "true" per device on the open connections instead: ${fmt(floor.wallMs)} wall, ${(floor.cpuMs / n).toFixed(1)} ms client CPU/device)`,
          );
        } finally {
          await session.pool.closeAll();
        }
      }
      if (ANSIBLE_SIZES.includes(n)) {
        const probeFile = join(work, `probe-${n}.sh`);
        writeFileSync(probeFile, probeCommand(targetsFor(sel.packages[0], DEFAULT_SETTINGS.probe)) + '\n');
        const inv = join(work, `hosts-${n}.ini`);
        writeFileSync(
          inv,
          '[lab]\n' +
            lab.devices
              .map(
                (d) =>
                  `${d.id} ansible_host=${d.address} ansible_user=root ansible_ssh_private_key_file=${lab.keyFile} ansible_python_interpreter=/usr/bin/python3`,
              )
              .join('\n') +
            '\n',
        );
        const play = join(work, `play-${n}.yml`);
        writeFileSync(
          play,
          `- hosts: all\n  gather_facts: false\n  tasks:\n    - name: probe\n      shell: "{{ lookup('file', '${probeFile}') }}"\n      args: { executable: /bin/bash }\n      changed_when: false\n`,
        );
        // interleaved rounds, each truly cold (a fresh JFLEET_HOME; Ansible's control sockets expire
        // between rounds), medians compared: one pair of runs on this shared machine can be off by 30%
        const clis = [];
        const anss = [];
        for (let r = 0; r < COLD_ROUNDS; r++) {
          const env = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: work, ...lab.env, JFLEET_HOME: mkdtempSync(join(work, 'cli-')) };
          const cli = await run('node', [BIN, 'sweep', '--json', '--forks', String(FORKS)], env);
          const okCli = (() => {
            try {
              return JSON.parse(cli.out).total === n;
            } catch {
              return false;
            }
          })();
          const ans = await run('ansible-playbook', ['-i', inv, '-f', String(FORKS), play], {
            PATH: process.env.PATH,
            LANG: 'C.UTF-8',
            HOME: work,
            ANSIBLE_HOST_KEY_CHECKING: 'False',
            ANSIBLE_PIPELINING: 'True',
            ANSIBLE_NOCOLOR: '1',
            ANSIBLE_RETRY_FILES_ENABLED: 'False',
            ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=5s -o UserKnownHostsFile=/dev/null',
            ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'),
          });
          const okAns = /ok=1 /.test(ans.out) && !/unreachable=[1-9]|failed=[1-9]/.test(ans.out);
          console.log(
            `  round ${r + 1}: jfleet sweep (CLI, cold) ${fmt(cli.wallMs)}, ${(cli.cpuMs / n).toFixed(1)} ms CPU/device${okCli ? '' : ' (FAILED)'}; ansible-playbook, same probe script, ${fmt(ans.wallMs)}, ${(ans.cpuMs / n).toFixed(1)} ms CPU/device${okAns ? '' : ' (FAILED: ' + ans.out.slice(-300) + ')'}`,
          );
          clis.push(cli);
          anss.push(ans);
          await new Promise((res) => setTimeout(res, 6000)); // let ControlPersist=5s masters exit: the next Ansible round is cold too
        }
        const cli = { wallMs: median(clis.map((x) => x.wallMs)), cpuMs: median(clis.map((x) => x.cpuMs)) };
        const ans = { wallMs: median(anss.map((x) => x.wallMs)), cpuMs: median(anss.map((x) => x.cpuMs)) };
        row.cli = cli;
        row.ansible = ans;
        console.log(
          `  => median of ${COLD_ROUNDS}: jfleet ${fmt(cli.wallMs)}, Ansible ${fmt(ans.wallMs)}: jfleet cold sweep ${(ans.wallMs / cli.wallMs).toFixed(1)}x faster than Ansible (target >= 10x), ${(ans.cpuMs / cli.cpuMs).toFixed(1)}x less CPU`,
        );
      }
      rows.push(row);
    } finally {
      await lab.stop();
    }
  }

  if (N4G > 0) {
    console.log(`\n== ${N4G} devices behind the emulated 4G link (150 ms each way, 2% loss, 1 Mbit/s)`);
    const lab = await labWithKiosk(N4G, page);
    const relays = [];
    try {
      for (const d of lab.devices) await lab.addLink(d.id, { latencyMs: 150, lossPct: 2, kbps: 1000 });
      const home = mkdtempSync(join(work, 'home-4g-'));
      const ctx = ctxFor(home, lab.env);
      const sel = await loadSelection(ctx, { inventory: lab.inventoryDir });
      // a counting relay in front of each link: the bytes a 4G modem would carry (TCP payload)
      let bytes = 0;
      const packages = [];
      for (const p of sel.packages) {
        const srv = createServer((c) => {
          const up = connect({ host: p.address, port: p.port });
          c.on('data', (b) => (bytes += b.length));
          up.on('data', (b) => (bytes += b.length));
          c.pipe(up).pipe(c);
          const end = () => {
            c.destroy();
            up.destroy();
          };
          c.on('error', end);
          up.on('error', end);
          c.on('close', end);
          up.on('close', end);
        });
        await new Promise((r) => srv.listen(0, '127.0.0.1', r));
        relays.push(srv);
        packages.push({ ...p, address: '127.0.0.1', port: srv.address().port });
      }
      const sel4g = { ...sel, packages };
      const session = keptSession(await openPool(ctx, { connectTimeoutMs: 30000, timeoutMs: 30000 }, sel4g));
      try {
        bytes = 0;
        const cold = await measure(() => runSweep(ctx, { selection: sel4g, session, forks: N4G }));
        const coldBytes = bytes;
        bytes = 0;
        const warm = await measure(() => runSweep(ctx, { selection: sel4g, session, forks: N4G }));
        const warmBytes = bytes;
        console.log(
          `  cold sweep over 4G: ${fmt(cold.wallMs)} wall (target <= 10 s), ${(coldBytes / N4G / 1024).toFixed(1)} KiB/device on the wire (target <= 20 KB) ${summarise(cold.value)}`,
        );
        console.log(`  warm sweep over 4G: ${fmt(warm.wallMs)} wall, ${(warmBytes / N4G / 1024).toFixed(1)} KiB/device on the wire ${summarise(warm.value)}`);
      } finally {
        await session.pool.closeAll();
      }
    } finally {
      for (const r of relays) r.close();
      await lab.stop();
    }
  }

  const withCold = rows.filter((r) => r.cold);
  if (withCold.length > 1) {
    console.log('\n== scaling (per device; flat = linear)');
    for (const r of withCold)
      console.log(
        `  ${String(r.n).padStart(4)}: cold ${(r.cold.wallMs / r.n).toFixed(1)} ms wall/device, ${(r.cold.cpuMs / r.n).toFixed(1)} ms CPU/device; warm ${(r.warm.wallMs / r.n).toFixed(2)} ms wall/device, ${(r.warm.cpuMs / r.n).toFixed(2)} ms CPU/device, RSS ${mib(r.warmPeak)}`,
      );
  }
} finally {
  await page.close();
  rmSync(work, { recursive: true, force: true });
}
