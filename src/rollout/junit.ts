/**
 * JUnit XML for CI systems (GitHub, GitLab, Jenkins show it per test case): one test case per
 * device. Pure rendering.
 *   updated      → passed
 *   rolled_back  → <failure type="rolled_back">
 *   failed       → <failure type="failed">
 *   pending      → <skipped> (unreachable; a later run picks it up)
 *   planned/skipped/updating → <skipped> (not worked on: aborted or interrupted)
 */
import type { DeviceState } from './machine.js';

export interface JUnitDevice {
  id: string;
  wave: number;
  state: DeviceState;
  error: string | null;
  ms: number | null;
  previous: string | null;
}

export interface JUnitRollout {
  id: number;
  release: string;
  state: string;
  startedAt: string;
  devices: JUnitDevice[];
}

// XML 1.0 cannot carry most control characters even escaped: drop them.
const INVALID_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g;

export function xmlEscape(s: string): string {
  return s.replace(INVALID_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

const secs = (ms: number | null) => ((ms ?? 0) / 1000).toFixed(3);

/** The texts a JUnit file carries for people (the CLI hands in the run's language). */
export type JUnitWords = (
  key: 'gateFailed' | 'updateFailed' | 'pending' | 'pendingWhy' | 'notUpdatedAborted' | 'notUpdatedInterrupted' | 'suite',
  vars: Record<string, string | number>,
) => string;

const ENGLISH: JUnitWords = (key, v) =>
  ({
    gateFailed: `health gate failed; rolled back to ${v.previous ?? 'the previous release'}`,
    updateFailed: 'update failed',
    pending: 'pending: unreachable; a later run updates it',
    pendingWhy: `pending: unreachable (${v.why}); a later run updates it`,
    notUpdatedAborted: 'not updated: rollout aborted',
    notUpdatedInterrupted: 'not updated: rollout interrupted',
    suite: `rollout ${v.id} of release ${v.release} (${v.state})`,
  })[key];

export function renderJUnit(r: JUnitRollout, say: JUnitWords = ENGLISH): string {
  const devices = [...r.devices].sort((a, b) => a.wave - b.wave || (a.id < b.id ? -1 : 1));
  let failures = 0;
  let skipped = 0;
  let time = 0;
  const cases = devices.map((d) => {
    time += d.ms ?? 0;
    const open = `    <testcase classname="${xmlEscape(`jfleet.rollout.wave${d.wave + 1}`)}" name="${xmlEscape(d.id)}" time="${secs(d.ms)}"`;
    const err = d.error ?? '';
    switch (d.state) {
      case 'updated':
        return `${open}/>`;
      case 'rolled_back':
      case 'failed': {
        failures++;
        const msg = d.state === 'rolled_back' ? say('gateFailed', d.previous ? { previous: d.previous } : {}) : say('updateFailed', {});
        return `${open}>\n      <failure type="${d.state}" message="${xmlEscape(`${msg}: ${firstLine(err)}`)}">${xmlEscape(err)}</failure>\n    </testcase>`;
      }
      case 'pending':
        skipped++;
        return `${open}>\n      <skipped message="${xmlEscape(err ? say('pendingWhy', { why: firstLine(err) }) : say('pending', {}))}"/>\n    </testcase>`;
      default:
        skipped++;
        return `${open}>\n      <skipped message="${xmlEscape(say(d.state === 'skipped' ? 'notUpdatedAborted' : 'notUpdatedInterrupted', {}))}"/>\n    </testcase>`;
    }
  });
  const name = xmlEscape(say('suite', { id: r.id, release: r.release, state: r.state }));
  const head = `tests="${devices.length}" failures="${failures}" errors="0" skipped="${skipped}" time="${secs(time)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="jfleet rollout" ${head}>`,
    `  <testsuite name="${name}" ${head} timestamp="${xmlEscape(r.startedAt)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function firstLine(s: string): string {
  const l = s.split('\n')[0] ?? '';
  return l.length > 200 ? l.slice(0, 199) + '…' : l;
}
