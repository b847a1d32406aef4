/**
 * Numbers inside sentences for people, in the language's way: Indonesian says 7,45 and 1.206
 * (decimal comma, grouping with "."), English keeps what it printed. What machines read (the
 * check's output as stored and sent, perfdata after the '|') keeps the digits as they were.
 */
import { describe, expect, it } from 'vitest';
import { AUX_CHECKS, CORE_CHECKS, evaluate, nagiosLine, type CheckContext } from '../../src/health/checks.js';
import { mergeThresholds, parseThresholds } from '../../src/health/thresholds.js';
import type { ProbeResult, RemoteFacts } from '../../src/health/types.js';
import { sayNumber } from '../../src/i18n/messages.js';
import { loadFixtures } from '../provision/fixture-host.js';
import { englishT, messagesFor } from '../helpers/messages.js';

const tid = messagesFor('id');

describe('sayNumber: a catalog\'s "{{x, number}}"', () => {
  const id = sayNumber('id-ID');
  const en = sayNumber('en-GB');
  it('Indonesian: decimal comma, "." between thousands, the decimals as the lower layer printed them', () => {
    expect(id(7.45)).toBe('7,45');
    expect(id('7.45')).toBe('7,45');
    expect(id('2.0')).toBe('2,0');
    expect(id('7.40')).toBe('7,40');
    expect(id(1206)).toBe('1.206');
    expect(id('1234.5')).toBe('1.234,5');
    expect(id('-0.25')).toBe('-0,25');
    expect(id(0)).toBe('0');
  });
  it('English: its own separators', () => {
    expect(en('1234.5')).toBe('1,234.5');
    expect(en(7.45)).toBe('7.45');
  });
  it('what is not a number is said as it came (a code, an address, a version, words)', () => {
    for (const s of ['35.09.13.2006', '127.0.0.1', '1.2.0', 'abc', '7,45', '', '1e5', '12345678901234567890']) expect(id(s)).toBe(s);
  });
});

interface CheckCase {
  facts: Partial<RemoteFacts>;
  thresholds?: Record<string, unknown>;
  context?: CheckContext;
  expect: { output: string };
}
const ALL = { ...CORE_CHECKS, ...AUX_CHECKS };
/** a decimal number on its own: not a part of an address or a dotted code */
const DECIMAL = /(?<![\d.])-?\d+\.\d+(?![\d.])/g;

describe("a check's sentence in Indonesian: its numbers with the decimal comma", () => {
  it('load, memory and disk as a sweep, status and check print them', () => {
    expect(tid.phrase('load 7.45 on 4 CPU(s) (1.9 per CPU)')).toBe('beban 7,45 pada 4 CPU (1,9 per CPU)');
    expect(tid.phrase('memory 30.9% available (1206 MiB)')).toBe('memori tersedia 30,9% (1.206 MiB)');
    expect(tid.phrase('disk / 4.5% free (120 MiB), inodes 2.5% free')).toBe('disk / kosong 4,5% (120 MiB), inode kosong 2,5%');
    expect(tid.phrase('CPU 61.5 °C')).toBe('CPU 61,5 °C');
    expect(tid.phrase('clock offset -0.25 s, not synchronised')).toBe('selisih jam -0,25 dtk, tidak tersinkron');
    expect(tid.phrase('gateway rtt 12.5 ms, loss 0%')).toBe('gateway rtt 12,5 ms, paket hilang 0%');
    expect(tid.phrase('ssh answers (handshake 1234.5 ms)')).toBe('ssh menjawab (jabat tangan 1.234,5 ms)');
  });

  it('English sentences pass unchanged, digits and all', () => {
    for (const s of ['load 7.45 on 4 CPU(s) (1.9 per CPU)', 'memory 30.9% available (1206 MiB)', 'CPU 61.5 °C']) expect(englishT.phrase(s)).toBe(s);
  });

  it('every check fixture with a decimal number reads it with a comma in Indonesian, none left with a point', () => {
    let seen = 0;
    for (const [check, name, c] of loadFixtures<CheckCase>('checks')) {
      const fn = ALL[check];
      if (!fn) continue;
      const t = mergeThresholds(parseThresholds(c.thresholds ?? {}, 'fixture').value);
      const output = fn(c.facts, t, c.context).output;
      const decimals = output.match(DECIMAL) ?? [];
      if (decimals.length === 0) continue;
      seen++;
      const said = tid.phrase(output);
      expect(said, `${check}/${name}: ${output}`).not.toBe(output);
      for (const d of decimals) {
        expect(said, `${check}/${name}: ${output}`).toContain(d.replace('.', ','));
        expect(said.match(DECIMAL) ?? [], `${check}/${name}: ${said}`).toEqual([]);
      }
    }
    expect(seen).toBeGreaterThanOrEqual(6);
  });

  it("the Nagios line: the words say 7,45, the perfdata after '|' keeps 7.45", () => {
    const facts: Partial<RemoteFacts> = {
      l1: 7.1,
      l5: 7.45,
      l15: 6,
      cpus: 2,
      mt: 4_000_000,
      ma: 1_234_567,
      ds: 10_000_000,
      da: 6_000_000,
      kb: 1,
      kp: 200,
      kpt: 0.25,
      rel: '1.2.0',
    };
    const probe: ProbeResult = {
      id: 'kiosk-a',
      at: '2026-12-02T02:00:00.000Z',
      reachable: true,
      tcpMs: 1.5,
      sshMs: 12.25,
      execMs: 30,
      remote: facts,
      error: null,
    };
    const ev = evaluate(probe, mergeThresholds(parseThresholds({ mem_warn_pct: 40 }, 'test').value));
    const id = nagiosLine('kiosk-a', ev, tid.phrase);
    const en = nagiosLine('kiosk-a', ev, englishT.phrase);
    expect(en.line).toMatch(/^JFLEET WARNING - kiosk-a: load 7\.45 on 2 CPU\(s\) \(3\.7 per CPU\); memory 30\.9% available \(1206 MiB\) \| /);
    expect(id.line).toMatch(/^JFLEET WARNING - kiosk-a: beban 7,45 pada 2 CPU \(3,7 per CPU\); memori tersedia 30,9% \(1\.206 MiB\) \| /);
    expect(id.line.split(' | ')[1]).toBe(en.line.split(' | ')[1]);
    expect(id.line.split(' | ')[1]).toContain('load5=7.45');
    expect(id.line.split(' | ')[1]).toContain('mem_avail_pct=30.9');
    expect(id.exitCode).toBe(en.exitCode);
  });
});

describe('numbers a command puts into its own sentences', () => {
  it('seconds as toFixed printed them: 2,0 dtk in Indonesian, 2.0 s in English', () => {
    expect(tid('rollout.line.seconds', { seconds: (2000 / 1000).toFixed(1) })).toBe('(2,0 dtk)');
    expect(englishT('rollout.line.seconds', { seconds: (2000 / 1000).toFixed(1) })).toBe('(2.0 s)');
    const sweep = { n: 3, count: 2, seconds: '12.5', warm: 2, counts: 'ok 2', worst: 'ok' };
    expect(tid('schedule.sweepLog', sweep)).toMatch(/ 12,5 dtk/);
    expect(englishT('schedule.sweepLog', sweep)).toMatch(/ 12\.5 s/);
    expect(tid('demo.seconds', { seconds: '3.4' })).toMatch(/^3,4 /);
  });

  it('sizes in bytes grouped the Indonesian way', () => {
    const v = { version: '1.2.0', files: 3, bytes: 1234567, archiveBytes: 45678, sha: 'ab12' };
    expect(tid('rollout.release.added', v)).toBe('rilis 1.2.0 ditambahkan: 3 berkas, 1.234.567 bita (arsip 45.678 bita, sha256 ab12)');
    expect(englishT('rollout.release.added', v)).toBe('added release 1.2.0: 3 files, 1234567 bytes (archive 45678 bytes, sha256 ab12)');
  });
});
