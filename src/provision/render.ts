/**
 * How a provisioning run reads on a terminal: plan lines, diffs, the per-device and total recap
 * (Ansible's shape). Pure: returns strings.
 */
import { unifiedDiff } from './steps/index.js';
import type { DeviceRecap, Diff, ProvisionSummary, StepResult } from './types.js';
import type { Translate } from '../i18n/catalog.js';

export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  cyan(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

export function renderDiff(t: Translate, d: Diff): string[] {
  const multi = d.before.includes('\n') || d.after.includes('\n');
  if (!multi) return [`      ${d.label}: ${d.before === '' ? t('provision.render.none') : d.before} -> ${d.after}`];
  return unifiedDiff(d.label, d.before, d.after)
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('===') && !l.startsWith('Index:'))
    .map((l) => `      ${l}`);
}

/** The status column: 13 wide, or one wider than a longer word (Indonesian "tak terjangkau"). */
function column(word: string): string {
  return word.padEnd(Math.max(13, word.length + 1));
}

export function statusWord(t: Translate, s: StepResult['status'], check: boolean, p: Paint): string {
  const w = s === 'changed' && check ? t('provision.render.wouldChange') : t(`provision.render.${s}`);
  const padded = column(w);
  return s === 'ok' ? p.green(padded) : s === 'changed' ? p.yellow(padded) : s === 'failed' ? p.red(padded) : p.cyan(padded);
}

/**
 * A step's reason in the run's language: one sentence, or a changed step's changes joined with
 * "; " (steps/common.ts changed()). When every part has a template of its own, each is said on its
 * own (a generic "remove {{path}}" must not swallow "remove A; remove B" whole); otherwise the
 * whole sentence's template, and failing that whatever parts have one.
 */
function reasonText(t: Translate, reason: string): string {
  if (!reason.includes('; ')) return t.phrase(reason);
  const parts = reason.split('; ');
  const said = parts.map((r) => t.phrase(r));
  if (said.every((s, i) => s !== parts[i])) return said.join('; ');
  const whole = t.phrase(reason);
  return whole !== reason ? whole : said.join('; ');
}

/** One device's steps: everything not ok (all steps when verbose), with diffs when asked. */
export function renderDevice(d: DeviceRecap, opts: { check: boolean; diff: boolean; verbose?: boolean }, p: Paint, t: Translate): string[] {
  const out = [p.bold(d.id)];
  if (d.error) out.push(`  ${p.red(column(t(d.unreachable ? 'provision.render.unreachable' : 'provision.render.failed')))}${t.phrase(d.error)}`);
  for (const s of d.steps) {
    if (s.status === 'ok' && !opts.verbose) continue;
    if (s.status === 'skipped' && !opts.verbose && s.reason.startsWith('an earlier step failed')) continue;
    out.push(`  ${statusWord(t, s.status, opts.check, p)}${s.id.padEnd(24)} ${reasonText(t, s.status === 'failed' ? (s.error ?? s.reason) : s.reason)}`);
    if (opts.diff && s.status !== 'ok') for (const d2 of s.diffs) out.push(...renderDiff(t, d2));
  }
  if (out.length === 1) out.push(`  ${p.green(column(t('provision.render.ok')))}${t('provision.render.nothingToChange', { count: d.steps.length })}`);
  return out;
}

export function renderRecap(summary: ProvisionSummary, p: Paint, t: Translate): string[] {
  const w = Math.max(8, ...summary.devices.map((d) => d.id.length));
  const line = (id: string, r: { ok: number; changed: number; unreachable: number; failed: number; skipped: number }) => {
    const paint = r.failed || r.unreachable ? p.red : r.changed ? p.yellow : p.green;
    return `${paint(id.padEnd(w))} : ok=${String(r.ok).padEnd(4)} changed=${String(r.changed).padEnd(4)} unreachable=${String(r.unreachable).padEnd(3)} failed=${String(r.failed).padEnd(4)} skipped=${r.skipped}`;
  };
  const out = [p.bold(summary.check ? t('provision.render.recapCheck') : t('provision.render.recap'))];
  for (const d of summary.devices) out.push(line(d.id, { ...d, unreachable: d.unreachable ? 1 : 0 }));
  const total = summary.total;
  out.push(p.bold(line(t('provision.render.total'), total)) + `  ${t('provision.render.totalDevices', { count: total.devices, failed: total.failedDevices })}`);
  return out;
}

export function summarize(check: boolean, recipe: { name: string; version: string }, devices: DeviceRecap[]): ProvisionSummary {
  const total = { devices: devices.length, ok: 0, changed: 0, failed: 0, skipped: 0, unreachable: 0, failedDevices: 0 };
  for (const d of devices) {
    total.ok += d.ok;
    total.changed += d.changed;
    total.failed += d.failed;
    total.skipped += d.skipped;
    if (d.unreachable) total.unreachable++;
    if (d.failed || d.unreachable || d.error) total.failedDevices++;
  }
  return { check, recipe, devices, total };
}

export function countSteps(d: DeviceRecap): DeviceRecap {
  const c = { ok: 0, changed: 0, failed: 0, skipped: 0 };
  for (const s of d.steps) c[s.status]++;
  return { ...d, ...c, failed: c.failed + (d.error && !d.unreachable && c.failed === 0 ? 1 : 0) };
}
