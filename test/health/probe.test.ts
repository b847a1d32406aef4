import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProbeOutput, probeCommand } from '../../src/health/probe.js';
import { PROBE_SCRIPT } from '../../src/health/probe-script.js';

describe('probe script', () => {
  it('is small: it crosses a 4G link on every sweep (one-shot sweeps; the daemon sends only a call)', () => {
    // about 4 KiB since it reads the real browser (DevTools), the kiosk unit, DPMS, the camera and a
    // tunnelled kiosk's bastion port: still three TCP segments (MSS 1448 on a 1500 B link)
    expect(Buffer.byteLength(PROBE_SCRIPT)).toBeLessThan(3 * 1448);
  });
  it('runs under bash on this machine and prints one JSON object the parser reads', () => {
    const cmd = probeCommand({ gateway: '127.0.0.1', internet: '127.0.0.1', dnsName: 'localhost', apiUrl: 'http://127.0.0.1:9/' });
    const out = execFileSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 20_000 });
    const parsed = parseProbeOutput(out);
    if ('error' in parsed) throw new Error(parsed.error + ': ' + out);
    const f = parsed.facts;
    expect(f.up).toBeGreaterThan(0);
    expect(f.mt).toBeGreaterThan(f.ma ?? Infinity);
    expect(f.ds).toBeGreaterThan(0);
    expect(f.cpus).toBeGreaterThanOrEqual(1);
    expect(f.dns).toBe(1);
    expect(f.ac).toBe(0); // nothing listens on port 9: "no answer", not a crash
    expect(f.il).toBe(0);
    expect(typeof f.ir).toBe('number');
    expect(f.pc).toBeNull(); // no portal configured: not checked
  });
  it('quotes every input: a hostile target cannot inject, under bash or handed to bash by dash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-probe-'));
    const marker = join(dir, 'pwned');
    // hostile only in the URL path: the host stays loopback, so nothing leaves the machine
    const hostile = `http://127.0.0.1:9/x'; touch ${marker}; echo '$(touch ${marker})\`touch ${marker}\``;
    const cmd = probeCommand({ portalUrl: hostile, dnsName: 'localhost' });
    for (const shell of ['bash', 'dash']) {
      const out = execFileSync(shell, ['-c', cmd], { encoding: 'utf8', timeout: 20_000 });
      const parsed = parseProbeOutput(out);
      if ('error' in parsed) throw new Error(`${shell}: ${parsed.error}: ${out}`);
      expect(parsed.facts.pc).toBe(0); // the whole value reached curl as one URL, which got no answer
      expect(parsed.facts.dns).toBe(1);
      expect(existsSync(marker)).toBe(false);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  it('hands every target to curl, ping and getent as an operand: a value starting with "-" is never an option', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-probe-'));
    try {
      // read as a curl config (-K), this file would fetch a URL and print a made-up answer
      const cfg = join(dir, 'curl.cfg');
      writeFileSync(cfg, 'url = "file:///dev/null"\nwrite-out = "299 0.5"\n');
      const cmd = probeCommand({ portalUrl: `-K${cfg}`, dnsName: '--help' });
      const out = execFileSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 20_000 });
      const parsed = parseProbeOutput(out);
      if ('error' in parsed) throw new Error(parsed.error + ': ' + out);
      expect(parsed.facts.pc).toBe(0); // "-K…" was a URL that failed, not a config file read (that answers 299)
      expect(parsed.facts.dns).toBe(0); // "--help" was a name not found, not getent's usage text on stdout
      // ping writes its usage to stderr, which the script drops: run its line with stderr shown
      const line = PROBE_SCRIPT.split('\n').find((l) => l.includes('ping') && l.includes('$G'))!;
      const fragment = `G=-h;${line.replace('2>/dev/null', '2>&1')};while read -r l;do echo "$l";done <&3`;
      const ping = execFileSync('bash', ['-c', fragment], { encoding: 'utf8', timeout: 20_000 });
      expect(ping).toMatch(/-h: (Name or service not known|Temporary failure in name resolution|unknown host)/);
      expect(ping).not.toMatch(/usage/i);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseProbeOutput', () => {
  it.each([
    ['', /no JSON/],
    ['{"up":1,', /not valid JSON/],
    ['[1]', /no JSON|not a JSON object/],
  ])('%j is an error', (text, re) => {
    const r = parseProbeOutput(text);
    expect('error' in r && r.error).toMatch(re);
  });
  it('drops values of the wrong kind and hostile release strings', () => {
    const r = parseProbeOutput('motd noise\n{"up":"x","mt":5,"rel":"1.0;rm -rf /"}');
    expect(r).toEqual({ facts: expect.objectContaining({ up: null, mt: 5, rel: null }) });
  });
  it("reads a tunnelled kiosk's bastion port (a whole port number, else null; absent on a direct device)", () => {
    expect(parseProbeOutput('{"tpt":443}')).toEqual({ facts: expect.objectContaining({ tpt: 443 }) });
    for (const bad of ['0', '70000', '22.5', '"22"']) expect(parseProbeOutput(`{"tpt":${bad}}`)).toEqual({ facts: expect.objectContaining({ tpt: null }) });
    // the script's own line, on this machine's bash: the file's number, or no key at all
    const line = PROBE_SCRIPT.split('\n').find((l) => l.includes('tunnel-port'))!;
    const dir = mkdtempSync(join(tmpdir(), 'jf-tpt-'));
    try {
      const run = (content: string | null) => {
        const f = join(dir, 'tunnel-port');
        rmSync(f, { force: true });
        if (content !== null) writeFileSync(f, content);
        const n = 'n(){ case $2 in \'\'|-|*[!0-9.eE+-]*) J+="\\"$1\\":null,";; *) J+="\\"$1\\":$2,";; esac;}';
        return execFileSync('bash', ['-c', `${n}\nJ=\n${line.replaceAll('/var/lib/jfleet/tunnel-port', f)}\nprintf %s "$J"`], { encoding: 'utf8' });
      };
      expect(run('443\n')).toBe('"tpt":443,');
      expect(run(null)).toBe('');
      expect(run('rm -rf /\n')).toBe('"tpt":null,');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
