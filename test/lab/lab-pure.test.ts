import { describe, expect, it } from 'vitest';
import { labAddress, spreadVillages } from '../../src/lab/lab.js';
import { loadVillages } from '../../src/inventory/villages.js';
import { LAB_INIT_SCRIPT } from '../../src/lab/init-script.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';

describe('lab addressing and villages', () => {
  it('gives each device of each slot its own loopback address', () => {
    expect(labAddress(0, 0)).toBe('127.100.0.1');
    expect(labAddress(0, 249)).toBe('127.100.0.250');
    expect(labAddress(0, 250)).toBe('127.100.1.1');
    expect(labAddress(7, 3)).toBe('127.107.0.4');
    const all = new Set(Array.from({ length: 1000 }, (_, i) => labAddress(3, i)));
    expect(all.size).toBe(1000);
  });
  it('places devices in real Jember villages, round-robin over the districts', () => {
    const ref = loadVillages();
    const vs = spreadVillages(62);
    for (const v of vs) expect(ref.byCode.get(v.code)).toBe(v);
    expect(new Set(vs.slice(0, 31).map((v) => v.districtCode)).size).toBe(31);
    expect(new Set(vs.map((v) => v.code)).size).toBe(62);
    expect(spreadVillages(3, ['35.09.13.2006']).map((v) => v.code)).toEqual(['35.09.13.2006', '35.09.13.2006', '35.09.13.2006']);
    expect(() => spreadVillages(1, ['35.09.99.9999'])).toThrow(/unknown village/);
  });
  it('ships a lab init that is valid bash with no template residue', () => {
    expect(LAB_INIT_SCRIPT).not.toContain('@{');
    expect(LAB_INIT_SCRIPT).toContain('${EXEC[$u]}');
    const f = join(mkdtempSync(join(tmpdir(), 'jfleet-init-')), 'lab-init');
    writeFileSync(f, LAB_INIT_SCRIPT);
    expect(execFileSync('bash', ['-n', f], { encoding: 'utf8' })).toBe('');
  });
});
