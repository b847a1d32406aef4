/**
 * What a rollout does on one device, over one Transport (one connection, reused):
 *
 *   inspect   one script: current/previous release, is the wanted release already unpacked,
 *             is its archive already staged (an earlier run got that far)
 *   transfer  the one archive over SFTP into /opt/jfleet-kiosk/.staging/<v>.tar.gz.part, checked,
 *             then renamed to <v>.tar.gz; a complete staged archive is reused (resume), anything
 *             else is cleared and sent again (restart)
 *   install   unpack into a fresh staging dir, verify every file's sha256 against the controller's
 *             manifest (sent on stdin, not trusted from the archive) and the file count, then rename
 *             into releases/<v>: a release dir is complete or absent, never half-live
 *   switch    previous := current, current := releases/<v> (new symlink + rename: atomic), restart
 *   gate      poll until the kiosk process is alive (and restarted), the page answers 200 at
 *             KIOSK_LISTEN, manifest.json says <v>, and the release's own `check` script passes
 *   rollback  switch back to previous, restart, gate on the previous release
 *
 * Every step is idempotent, so a run killed anywhere can be redone from `inspect`.
 */
import type { Package } from '../inventory/schema.js';
import type { Transport } from '../transport/types.js';
import { quote } from '../transport/shell.js';
import { checksumLines, MANIFEST_FILE, renderManifest, type Manifest } from './manifest.js';
import { sha256 } from './release.js';

export interface KioskLayout {
  /** prefix of every device path; '' on a real device (tests point it at a scratch dir) */
  root: string;
}
export const DEVICE_LAYOUT: KioskLayout = { root: '' };

export function paths(l: KioskLayout) {
  const base = `${l.root}/opt/jfleet-kiosk`;
  return {
    base,
    releases: `${base}/releases`,
    current: `${base}/current`,
    previous: `${base}/previous`,
    staging: `${base}/.staging`,
    env: `${l.root}/etc/jfleet/kiosk.env`,
    run: `${l.root}/run/jfleet-kiosk`,
    labRestart: `${l.root}/run/jfleet-lab`,
  };
}

export interface DeviceInfo {
  current: string | null;
  previous: string | null;
  /** releases/<v> exists (completeness is checked separately) */
  hasRelease: boolean;
  /** sha256 of a fully staged archive of <v>, if one is there */
  stagedSha: string | null;
  pids: string;
}

export class DeviceStepError extends Error {
  constructor(
    readonly step: 'inspect' | 'transfer' | 'install' | 'switch' | 'gate' | 'rollback',
    message: string,
  ) {
    super(message);
    this.name = 'DeviceStepError';
  }
}

/** key=value lines → record (values may contain "="). */
export function parseKv(out: string): Record<string, string> {
  const r: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) r[line.slice(0, i)] = line.slice(i + 1);
  }
  return r;
}

/** A symlink target like "releases/1.2.0" or "/opt/jfleet-kiosk/releases/1.2.0" → "1.2.0". */
export function versionOfTarget(target: string): string | null {
  const t = target.replace(/\/+$/, '');
  if (!t) return null;
  return t.slice(t.lastIndexOf('/') + 1) || null;
}

function sh(lines: string[]): string {
  return lines.join('\n');
}

async function run(t: Transport, step: DeviceStepError['step'], cmd: string, opts: { stdin?: string; timeoutMs?: number } = {}) {
  const r = await t.exec(cmd, { stdin: opts.stdin, timeoutMs: opts.timeoutMs ?? 60_000 });
  if (r.exitCode !== 0) {
    const msg = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-3).join(' | ') || `exit ${r.exitCode ?? r.signal}`;
    throw new DeviceStepError(step, `${step}: ${msg}`);
  }
  return r.stdout;
}

export async function inspect(t: Transport, l: KioskLayout, version: string): Promise<DeviceInfo> {
  const p = paths(l);
  // Also readies the staging dir and drops a stale partial upload, so the transfer that may
  // follow is a bare SFTP write (round trips count on a 4G link).
  const out = await run(
    t,
    'inspect',
    sh([
      `c=$(readlink ${quote(p.current)} 2>/dev/null); echo "current=$c"`,
      `pv=$(readlink ${quote(p.previous)} 2>/dev/null); echo "previous=$pv"`,
      `[ -d ${quote(`${p.releases}/${version}`)} ] && echo has=1 || echo has=0`,
      `a=${quote(`${p.staging}/${version}.tar.gz`)}`,
      `[ -f "$a" ] && echo "staged=$(sha256sum "$a" | cut -d' ' -f1)" || echo staged=`,
      `echo "pids=$(cat ${quote(p.run)}/*.pid 2>/dev/null | tr '\\n' ' ')"`,
      `mkdir -p ${quote(p.staging)} 2>/dev/null; rm -f "$a.part"`,
      'exit 0',
    ]),
  );
  const kv = parseKv(out);
  return {
    current: kv.current ? versionOfTarget(kv.current) : null,
    previous: kv.previous ? versionOfTarget(kv.previous) : null,
    hasRelease: kv.has === '1',
    stagedSha: kv.staged || null,
    pids: (kv.pids ?? '').trim(),
  };
}

/** The expected checksums of a release dir, manifest.json included, for `sha256sum -c`. */
function expectedSums(m: Manifest): { lines: string; count: number } {
  return {
    lines: checksumLines(m) + `${sha256(renderManifest(m))}  ./${MANIFEST_FILE}\n`,
    count: Object.keys(m.files).length + 1,
  };
}

/** Shell that verifies the tree in the current directory against stdin sums; exits non-zero on any mismatch. */
function verifyHere(count: number): string {
  return sh([
    `sha256sum -c --quiet --strict - >/tmp/.jfleet-verify.$$ 2>&1 || { echo "checksum mismatch: $(head -3 /tmp/.jfleet-verify.$$ | tr '\\n' ' ')" >&2; rm -f /tmp/.jfleet-verify.$$; exit 3; }`,
    'rm -f /tmp/.jfleet-verify.$$',
    `n=$(find . -type f | wc -l); [ "$n" -eq ${count} ] || { echo "expected ${count} files, found $n" >&2; exit 3; }`,
  ]);
}

/** Is releases/<v> on the device complete and unaltered? */
export async function releaseComplete(t: Transport, l: KioskLayout, m: Manifest): Promise<boolean> {
  const p = paths(l);
  const { lines, count } = expectedSums(m);
  const r = await t.exec(sh([`cd ${quote(`${p.releases}/${m.version}`)} || exit 3`, verifyHere(count)]), { stdin: lines, timeoutMs: 60_000 });
  return r.exitCode === 0;
}

/**
 * Send the archive to <staging>/<v>.tar.gz.part (one SFTP write; inspect made the dir), unless a
 * complete copy is already staged. install() checks and promotes it. Returns whether bytes were sent.
 */
export async function transfer(t: Transport, l: KioskLayout, version: string, archive: Buffer, info: DeviceInfo): Promise<boolean> {
  if (info.stagedSha === sha256(archive)) return false; // an earlier run delivered it completely: resume from here
  // A cut connection leaves a partial .part: harmless (checked before use, dropped by the next
  // inspect). A TransportError stays one, so a lost link is pending, not a device failure.
  await t.put(archive, `${paths(l).staging}/${version}.tar.gz.part`);
  return true;
}

/** Unpack the staged archive into a fresh dir, verify, and rename it into releases/<v>. */
export async function install(t: Transport, l: KioskLayout, m: Manifest, archiveSha: string): Promise<void> {
  const p = paths(l);
  const v = m.version;
  const { lines, count } = expectedSums(m);
  const work = `${p.staging}/${v}.d`;
  const dest = `${p.releases}/${v}`;
  const tgz = `${p.staging}/${v}.tar.gz`;
  await run(
    t,
    'install',
    sh([
      'set -u',
      // the upload, if one was made, must have arrived whole before it replaces the staged archive
      `if [ -f ${quote(tgz + '.part')} ]; then s=$(sha256sum ${quote(tgz + '.part')} | cut -d' ' -f1); [ "$s" = ${quote(archiveSha)} ] || { rm -f ${quote(tgz + '.part')}; echo "archive arrived damaged (sha256 $s)" >&2; exit 3; }; mv -f ${quote(tgz + '.part')} ${quote(tgz)} || exit 3; fi`,
      `[ -f ${quote(tgz)} ] || { echo "no staged archive" >&2; exit 3; }`,
      `rm -rf ${quote(work)} && mkdir -p ${quote(work)} ${quote(p.releases)} || exit 3`,
      `tar -xzf ${quote(`${p.staging}/${v}.tar.gz`)} -C ${quote(work)} --no-same-owner -m || { echo "cannot unpack the archive" >&2; rm -rf ${quote(work)}; exit 3; }`,
      `cd ${quote(work)} || exit 3`,
      `( ${verifyHere(count)} ) || { rm -rf ${quote(work)}; exit 3; }`,
      'cd / || exit 3',
      // A damaged copy of the same version (from a tampered device) is moved aside first.
      `if [ -e ${quote(dest)} ]; then mv ${quote(dest)} ${quote(`${p.staging}/${v}.old`)}.$$ || exit 3; fi`,
      `mv ${quote(work)} ${quote(dest)} || exit 3`,
      `rm -rf ${quote(`${p.staging}/${v}.old`)}.* ${quote(`${p.staging}/${v}.tar.gz`)}`,
      'sync 2>/dev/null; exit 0',
    ]),
    { stdin: lines, timeoutMs: 120_000 },
  );
}

/** Restart the kiosk: the recipe's helper if there, else systemd, else the lab init's restart file. */
function restartCmd(l: KioskLayout): string {
  const p = paths(l);
  return sh([
    'if command -v jfleet-kiosk-restart >/dev/null 2>&1; then jfleet-kiosk-restart',
    `elif [ "$(systemctl is-system-running 2>/dev/null)" != offline ] && systemctl is-enabled jfleet-kiosk >/dev/null 2>&1; then systemctl restart jfleet-kiosk`,
    `else mkdir -p ${quote(p.labRestart)} && touch ${quote(`${p.labRestart}/restart-jfleet-kiosk`)}; fi`,
  ]);
}

/**
 * current := releases/<to>; previous := what current was (unless it already is <to>, so a redone
 * switch after a kill keeps the true previous). New symlink + rename(2) over the old one: a
 * reader sees the old or the new release, never none.
 */
export async function switchTo(t: Transport, l: KioskLayout, to: string, opts: { keepPrevious?: boolean } = {}): Promise<{ from: string | null }> {
  const p = paths(l);
  const out = await run(
    t,
    'switch',
    sh([
      'set -u',
      `[ -f ${quote(`${p.releases}/${to}/${MANIFEST_FILE}`)} ] || { echo "release ${to} is not on the device" >&2; exit 3; }`,
      `c=$(readlink ${quote(p.current)} 2>/dev/null); echo "from=$c"`,
      `if [ "$c" != ${quote(`releases/${to}`)} ]; then`,
      opts.keepPrevious
        ? '  :'
        : `  if [ -n "$c" ]; then ln -sfn "$c" ${quote(`${p.base}/.previous.tmp`)} && mv -T ${quote(`${p.base}/.previous.tmp`)} ${quote(p.previous)} || exit 3; fi`,
      `  ln -sfn ${quote(`releases/${to}`)} ${quote(`${p.base}/.current.tmp`)} && mv -T ${quote(`${p.base}/.current.tmp`)} ${quote(p.current)} || exit 3`,
      'fi',
      restartCmd(l),
      'exit 0',
    ]),
  );
  const from = parseKv(out).from;
  return { from: from ? versionOfTarget(from) : null };
}

export interface GateOptions {
  /** how long the kiosk may take to come up after the switch */
  timeoutMs: number;
  /** checks must pass twice this far apart (same pids) to count: a kiosk that crashes on start fails */
  settleMs: number;
  /** pids of the kiosk before the restart: the gate waits for new ones */
  pidsBefore?: string;
  /** environment for the release's check script */
  pkg: Package;
  signal?: AbortSignal;
}

export interface GatePoll {
  ok: boolean;
  pids: string;
  problems: string[];
}

function checkEnv(pkg: Package): string {
  const vars: Record<string, string> = {
    JFLEET_DEVICE: pkg.id,
    JFLEET_VILLAGE: pkg.village,
    JFLEET_TAGS: pkg.tags.join(' '),
    JFLEET_MODEL: pkg.hardware.model ?? '',
  };
  for (const [k, v] of Object.entries(pkg.vars ?? {})) vars[`JFLEET_VAR_${k.toUpperCase()}`] = v;
  return Object.entries(vars)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' ');
}

/** One look at the kiosk: a single remote script, key=value lines out. */
export async function pollKiosk(t: Transport, l: KioskLayout, version: string, pkg: Package): Promise<GatePoll> {
  const p = paths(l);
  const out = await run(
    t,
    'gate',
    sh([
      `B=${quote(p.base)}`,
      `echo "current=$(readlink "$B/current" 2>/dev/null)"`,
      `echo "manifest=$(grep -o '"version"[[:space:]]*:[[:space:]]*"[^"]*"' "$B/current/${MANIFEST_FILE}" 2>/dev/null | head -1 | sed 's/.*"\\([^"]*\\)"$/\\1/')"`,
      `pids=; dead=; for f in ${quote(p.run)}/*.pid; do [ -f "$f" ] || continue; x=$(cat "$f" 2>/dev/null); pids="$pids $x"; kill -0 "$x" 2>/dev/null || dead="$dead $(basename "$f")"; done`,
      'echo "pids=$pids"; echo "dead=$dead"',
      `listen=$(sed -n 's/^[[:space:]]*KIOSK_LISTEN=//p' ${quote(p.env)} 2>/dev/null | tail -1 | tr -d '"\\047 ')`,
      'echo "listen=$listen"',
      'if [ -z "$listen" ]; then echo http=no-listen',
      `elif command -v curl >/dev/null 2>&1; then echo "http=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$listen/")"`,
      `else echo "http=$(python3 -c 'import sys,urllib.request as u\ntry: print(u.urlopen(sys.argv[1],timeout=3).status)\nexcept Exception as e: print(getattr(e,"code",0))' "http://$listen/" 2>/dev/null)"; fi`,
      `if [ -f "$B/current/check" ]; then o=$(cd "$B/current" && ${checkEnv(pkg)} timeout 20 sh ./check 2>&1); echo "check=$?"; echo "checkout=$(printf '%s' "$o" | tail -1 | tr -cd '[:print:]' | cut -c1-200)"; else echo check=none; fi`,
      'exit 0',
    ]),
    { timeoutMs: 40_000 },
  );
  const kv = parseKv(out);
  const problems: string[] = [];
  const pids = (kv.pids ?? '').trim();
  if (versionOfTarget(kv.current ?? '') !== version) problems.push(`current points to ${kv.current || 'nothing'}, not releases/${version}`);
  if (kv.manifest !== version) problems.push(`manifest.json reports ${kv.manifest || 'no version'}`);
  if (!pids) problems.push('kiosk not running (no pid file)');
  else if (kv.dead?.trim()) problems.push(`kiosk process dead (${kv.dead.trim()})`);
  if (kv.http !== '200')
    problems.push(
      kv.http === 'no-listen' ? 'no KIOSK_LISTEN in kiosk.env' : `page at ${kv.listen} answered ${kv.http && kv.http !== '000' ? kv.http : 'nothing'}`,
    );
  if (kv.check !== 'none' && kv.check !== '0') problems.push(`release check failed (exit ${kv.check})${kv.checkout ? `: ${kv.checkout}` : ''}`);
  return { ok: problems.length === 0, pids, problems };
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((res) => {
    const t = setTimeout(res, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        res();
      },
      { once: true },
    );
  });

/**
 * The health gate: passes when two polls `settleMs` apart both pass with the same kiosk pids
 * (and, after a restart, pids other than before it). Fails with the last problems when the
 * window runs out.
 */
export async function gate(t: Transport, l: KioskLayout, version: string, o: GateOptions): Promise<{ ok: true } | { ok: false; problems: string[] }> {
  const deadline = Date.now() + o.timeoutMs;
  let last: GatePoll | null = null;
  let problems: string[] = ['gate did not run'];
  let checkOnly = 0;
  await sleep(Math.min(o.settleMs, 500), o.signal);
  for (;;) {
    const poll = await pollKiosk(t, l, version, o.pkg);
    if (poll.ok && o.pidsBefore && poll.pids === o.pidsBefore) {
      poll.ok = false;
      poll.problems = ['kiosk not restarted yet (same pids as before the switch)'];
    }
    if (poll.ok && last?.ok && last.pids === poll.pids) return { ok: true };
    problems = poll.problems;
    // The kiosk is up and serving the release, and only the release's own check keeps failing:
    // a verdict, not a slow start. Three in a row is enough; no need to wait out the window.
    const restarted = !o.pidsBefore || poll.pids !== o.pidsBefore;
    checkOnly = restarted && poll.problems.length === 1 && poll.problems[0]?.startsWith('release check failed') ? checkOnly + 1 : 0;
    last = poll;
    if (checkOnly >= 3) break;
    if (Date.now() + o.settleMs > deadline || o.signal?.aborted) break;
    await sleep(o.settleMs, o.signal);
  }
  return { ok: false, problems: last?.ok ? ['kiosk restarted again during the settle window'] : problems };
}

/** Keep current and previous; remove other releases and leftover staging (disk is small). */
export async function prune(t: Transport, l: KioskLayout): Promise<void> {
  const p = paths(l);
  await t.exec(
    sh([
      `cd ${quote(p.releases)} 2>/dev/null || exit 0`,
      `c=$(readlink ${quote(p.current)} 2>/dev/null); c=\${c##*/}`,
      `pv=$(readlink ${quote(p.previous)} 2>/dev/null); pv=\${pv##*/}`,
      'for d in *; do [ -d "$d" ] || continue; [ "$d" = "$c" ] || [ "$d" = "$pv" ] || rm -rf -- "$d"; done',
      `rm -rf ${quote(p.staging)}`,
      'exit 0',
    ]),
    { timeoutMs: 60_000 },
  );
}
