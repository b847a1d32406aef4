/** The one-round-trip fact script, run through a real shell against a scratch directory. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { req, fileFact, linkFact, directoryFact, debPackagesFact } from '../../src/provision/facts.js';
import { gatherScript, parseGatherOutput, uniqueRequests } from '../../src/provision/gather.js';
import { sha256 } from '../../src/provision/steps/index.js';
import { at } from '../helpers/at.js';

describe('gather', () => {
  const d = mkdtempSync(join(tmpdir(), 'jfleet-gather-'));
  writeFileSync(join(d, 'a'), 'line one\n\n\n'); // trailing newlines must survive
  mkdirSync(join(d, 'sub'));
  symlinkSync('a', join(d, 'ln'));

  it('answers every fact in one script, keeping trailing newlines and kinds apart', () => {
    const reqs = uniqueRequests([
      req(fileFact, { path: join(d, 'a') }),
      req(fileFact, { path: join(d, 'a') }),
      req(fileFact, { path: join(d, 'missing') }),
      req(fileFact, { path: join(d, 'sub') }),
      req(linkFact, { path: join(d, 'ln') }),
      req(directoryFact, { path: join(d, 'sub') }),
      req(debPackagesFact, { names: ['python3'] }),
    ]);
    expect(reqs).toHaveLength(6);
    const out = execFileSync('sh', ['-c', gatherScript(reqs, 'testnonce1')], { encoding: 'utf8' });
    const facts = parseGatherOutput(out, reqs, 'testnonce1');
    expect(facts.get(at(reqs, 0))).toMatchObject({ kind: 'file', content: 'line one\n\n\n', sha256: sha256('line one\n\n\n') });
    expect(facts.get(at(reqs, 1))).toEqual({ kind: 'absent' });
    expect(facts.get(at(reqs, 2))).toEqual({ kind: 'wrong', actual: 'directory' });
    expect(facts.get(at(reqs, 3))).toEqual({ kind: 'link', target: 'a' });
    expect(facts.get(at(reqs, 4))).toMatchObject({ kind: 'directory' });
    expect(facts.get<{ python3: { installed: boolean } }>(at(reqs, 5)).python3.installed).toBe(true);
  });

  it('a fact missing from the answer throws when read, naming it', () => {
    const reqs = [req(fileFact, { path: '/etc/hostname' })];
    const facts = parseGatherOutput('garbage\n', reqs, 'testnonce1');
    expect(() => facts.get(at(reqs, 0))).toThrow('missing from the device');
  });
});
