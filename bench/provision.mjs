#!/usr/bin/env node
// A no-change re-run of the kiosk recipe on N lab devices: `jfleet provision` against the
// equivalent Ansible playbook (bench/ansible/playbook.yml), in one run, on the same lab.
// Both first must agree the devices are converged (jfleet converges them; the playbook then
// reports changed=0 everywhere: the same end state). Prints wall time, client CPU and the ratio.
//   node bench/provision.mjs [devices=100] [forks=50] [repeat=1]      (needs root, a built dist/)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab } from '../dist/lab/lab.js';
import { loadSelection } from '../dist/inventory/service.js';
import { loadRecipe } from '../dist/provision/recipe-load.js';
import { resolveRecipe } from '../dist/provision/recipe.js';

const devices = Number(process.argv[2] ?? 100);
const forks = Number(process.argv[3] ?? 50);
const repeat = Number(process.argv[4] ?? 1);
const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin', 'jfleet.js');
const ansibleDir = join(root, 'bench', 'ansible');
const work = mkdtempSync(join(tmpdir(), 'jfleet-bench-provision-'));

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Run a command under /usr/bin/time: wall seconds and the client's CPU seconds (user + sys). */
function timed(cmd, args, env, cwd = root) {
  const tf = join(work, 'time.txt');
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', '-o', tf, cmd, ...args], { env, cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  const [wall, user, sys] = readFileSync(tf, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, wall, cpu: user + sys };
}

function jfleetRun(lab, args) {
  const env = { PATH: process.env.PATH, HOME: lab.home, CI: 'true', NO_COLOR: '1', ...lab.env };
  const r = timed(process.execPath, [bin, 'provision', '--json', '--yes', '--forks', String(forks), ...args], env);
  const s = JSON.parse(r.stdout);
  if (r.status !== 0 || s.total.failedDevices) throw new Error(`jfleet provision failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { ...r, changed: s.total.changed };
}

function ansibleRun(lab, inventory) {
  const env = { PATH: process.env.PATH, HOME: lab.home, ANSIBLE_CONFIG: join(ansibleDir, 'ansible.cfg'), ANSIBLE_FORKS: String(forks), LANG: 'C.UTF-8' };
  if (process.env.ANSIBLE_CALLBACKS_ENABLED) env.ANSIBLE_CALLBACKS_ENABLED = process.env.ANSIBLE_CALLBACKS_ENABLED;
  const r = timed('ansible-playbook', ['-i', inventory, join(ansibleDir, 'playbook.yml')], env, ansibleDir);
  let changed = 0;
  let failed = 0;
  let hosts = 0;
  for (const m of r.stdout.matchAll(/^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    hosts++;
    changed += Number(m[2]);
    failed += Number(m[3]) + Number(m[4]);
  }
  if (r.status !== 0 || failed || hosts !== devices)
    throw new Error(`ansible-playbook failed (${r.status}, ${hosts} hosts, ${failed} failed): ${(r.stdout + r.stderr).slice(-3000)}`);
  if (process.env.BENCH_VERBOSE) console.log(r.stdout);
  return { ...r, changed };
}

const lab = await startLab({ devices });
try {
  // The inventory the playbook reads: the same per-device variables jfleet renders.
  const ctx = { cwd: root, env: { ...lab.env }, home: lab.home };
  const sel = await loadSelection(ctx, {});
  const recipe = await loadRecipe();
  const hosts = {};
  for (const pkg of sel.packages) {
    const r = resolveRecipe(recipe, pkg, sel.ref.byCode.get(pkg.village));
    const packages = r.steps.find((s) => s.id === 'packages').desired.packages;
    const v = r.vars;
    hosts[pkg.id] = {
      ansible_host: pkg.address,
      ansible_port: pkg.port,
      ansible_user: pkg.user,
      ansible_ssh_private_key_file: lab.keyFile,
      hostname: v.hostname,
      timezone: v.timezone,
      kiosk_user: v.kiosk_user,
      kiosk_listen: v.kiosk_listen,
      portal_url: v.portal_url,
      reboot_time: v.reboot_time,
      reboot_jitter: v.reboot_jitter,
      base_release: v.base_release,
      recipe: { name: v['recipe.name'], version: v['recipe.version'] },
      packages,
      sshd_config: '/run/jfleet-lab/boot/sshd_config',
    };
  }
  const inventory = join(work, 'hosts.json');
  writeFileSync(inventory, JSON.stringify({ kiosks: { hosts } }, null, 2));

  console.log(`lab: ${devices} devices; forks ${forks}`);
  const converge = jfleetRun(lab, []);
  console.log(`converge (jfleet, first run): ${converge.wall.toFixed(1)} s, ${converge.changed} changes`);
  const jf = [];
  const an = [];
  for (let i = 0; i < repeat; i++) {
    const j = jfleetRun(lab, []);
    if (j.changed !== 0) throw new Error(`jfleet re-run changed ${j.changed} things: not converged`);
    jf.push(j);
    const a = ansibleRun(lab, inventory);
    if (a.changed !== 0) throw new Error(`the playbook changed ${a.changed} things after jfleet converged: not the same end state`);
    an.push(a);
  }
  const check = jfleetRun(lab, ['--check']);
  if (check.changed !== 0) throw new Error('jfleet --check after the playbook found changes');
  const jw = median(jf.map((r) => r.wall));
  const aw = median(an.map((r) => r.wall));
  const jc = median(jf.map((r) => r.cpu));
  const ac = median(an.map((r) => r.cpu));
  console.log('no-change re-run (both report changed=0: same end state)');
  console.log(`  jfleet provision   wall ${jw.toFixed(2)} s   client CPU ${jc.toFixed(2)} s`);
  console.log(`  ansible-playbook   wall ${aw.toFixed(2)} s   client CPU ${ac.toFixed(2)} s`);
  console.log(`ratio (ansible / jfleet): wall ${(aw / jw).toFixed(1)}x, client CPU ${(ac / jc).toFixed(1)}x  (target >= 10x wall)`);
} finally {
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
}
