#!/usr/bin/env node
// The same read-only command on every device of one lab, by three tools in one run:
//   jfleet exec --forks 50          (this project, the built CLI: node start-up included)
//   ansible all -f 50 -m shell      (ansible-core)
//   OpenSSH client under xargs -P 50
// Prints, per tool, the median wall time and client CPU (user+sys of the tool and all its
// child processes, from /proc/self/stat cutime/cstime) per device, and the ratios.
// Needs root (the lab) and a build (npm run build).
//   node bench/exec.mjs [--devices 100] [--rounds 3] [--skip-ansible]
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run } from './lib.mjs';

const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};
const DEVICES = Number(arg('devices', 100));
const ROUNDS = Number(arg('rounds', 3));
const SKIP_ANSIBLE = process.argv.includes('--skip-ansible');
const FORKS = 50;
const CMD = 'cat /proc/uptime; df -P /; free -m; cat /proc/loadavg';
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(ROOT, 'bin', 'jfleet.js');

const { startLab } = await import(join(ROOT, 'dist', 'lab', 'lab.js'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

console.log(`bench/exec: ${DEVICES} lab devices, forks ${FORKS}, ${ROUNDS} rounds, command: ${CMD}`);
console.log(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), load average ${loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')}`,
);
const t0 = Date.now();
const lab = await startLab({ devices: DEVICES });
console.log(`lab up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
const work = mkdtempSync(join(tmpdir(), 'jfleet-bench-'));
try {
  const baseEnv = { PATH: process.env.PATH, LANG: 'C.UTF-8', HOME: work };
  // ansible inventory
  const inv = join(work, 'hosts.ini');
  writeFileSync(
    inv,
    '[lab]\n' +
      lab.devices
        .map(
          (d) => `${d.id} ansible_host=${d.address} ansible_user=root ansible_ssh_private_key_file=${lab.keyFile} ansible_python_interpreter=/usr/bin/python3`,
        )
        .join('\n') +
      '\n',
  );
  const addrs = join(work, 'addrs');
  writeFileSync(addrs, lab.devices.map((d) => d.address).join('\n') + '\n');
  const sshOpts = `-i ${lab.keyFile} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;

  const tools = {
    jfleet: () =>
      run('node', [BIN, 'exec', '--forks', String(FORKS), '--json', '--', CMD], {
        ...baseEnv,
        JFLEET_HOME: join(work, 'jfleet-home'),
        JFLEET_INVENTORY: lab.inventoryDir,
        JFLEET_KEY_FILE: lab.keyFile,
        CI: 'true',
        NO_COLOR: '1',
      }).then((r) => ({ ...r, ok: r.code === 0 ? JSON.parse(r.out).summary.ok : JSON.parse(r.out || '{"summary":{"ok":0}}').summary.ok })),
    'ssh+xargs': () =>
      run('sh', ['-c', `xargs -P ${FORKS} -I{} ssh ${sshOpts} root@{} '${CMD}' < ${addrs}`], baseEnv).then((r) => ({ ...r, ok: r.code === 0 ? DEVICES : NaN })),
    ...(SKIP_ANSIBLE
      ? {}
      : {
          ansible: () =>
            run('ansible', ['all', '-i', inv, '-f', String(FORKS), '-m', 'shell', '-a', CMD], {
              ...baseEnv,
              ANSIBLE_HOST_KEY_CHECKING: 'False',
              ANSIBLE_SSH_ARGS: '-o ControlMaster=auto -o ControlPersist=5s -o UserKnownHostsFile=/dev/null',
              ANSIBLE_LOCAL_TEMP: join(work, 'ansible-tmp'),
              ANSIBLE_NOCOLOR: '1',
              ANSIBLE_FORKS: String(FORKS),
            }).then((r) => ({ ...r, ok: (r.out.match(/\| CHANGED \|/g) ?? []).length })),
        }),
  };

  const samples = Object.fromEntries(Object.keys(tools).map((k) => [k, []]));
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, fn] of Object.entries(tools)) {
      const r = await fn();
      if (r.ok !== DEVICES) {
        console.log(`  round ${round} ${name}: only ${r.ok}/${DEVICES} ok (exit ${r.code}) ${r.err.slice(0, 300)}`);
      }
      samples[name].push(r);
      console.log(
        `  round ${round} ${name.padEnd(10)} wall ${(r.wallMs / 1000).toFixed(2)} s, client CPU ${(r.cpuMs / 1000).toFixed(2)} s (${(r.cpuMs / DEVICES).toFixed(1)} ms/device), ok ${r.ok}/${DEVICES}`,
      );
    }
  }
  const sum = Object.fromEntries(
    Object.entries(samples).map(([k, rs]) => [k, { wallMs: median(rs.map((r) => r.wallMs)), cpuMs: median(rs.map((r) => r.cpuMs)) }]),
  );
  console.log(`\nmedian of ${ROUNDS}:`);
  console.log('tool        wall (s)   client CPU (s)   CPU/device (ms)');
  for (const [k, v] of Object.entries(sum)) {
    console.log(
      `${k.padEnd(10)} ${(v.wallMs / 1000).toFixed(2).padStart(8)}   ${(v.cpuMs / 1000).toFixed(2).padStart(14)}   ${(v.cpuMs / DEVICES).toFixed(1).padStart(15)}`,
    );
  }
  const j = sum.jfleet;
  console.log('');
  if (sum.ansible)
    console.log(
      `jfleet vs ansible:   ${(sum.ansible.wallMs / j.wallMs).toFixed(1)}x faster wall (target >= 10x), ${(sum.ansible.cpuMs / j.cpuMs).toFixed(1)}x less CPU`,
    );
  console.log(
    `jfleet vs ssh+xargs: ${(sum['ssh+xargs'].wallMs / j.wallMs).toFixed(1)}x faster wall (target >= 2.5x), ${(sum['ssh+xargs'].cpuMs / j.cpuMs).toFixed(1)}x less CPU`,
  );
  console.log(`jfleet client CPU:   ${(j.cpuMs / DEVICES).toFixed(1)} ms/device (target <= 8), node start-up included`);
} finally {
  await lab.stop();
  rmSync(work, { recursive: true, force: true });
}
