import { describe, expect, it } from 'vitest';
import { hostsContent } from '../../src/provision/steps/hostname.js';

const DEBIAN = [
  '127.0.0.1\tlocalhost',
  '127.0.1.1\tdebian',
  '',
  '# The following lines are desirable for IPv6 capable hosts',
  '::1     localhost ip6-localhost ip6-loopback',
  'ff02::1 ip6-allnodes',
  'ff02::2 ip6-allrouters',
  '',
].join('\n');

/** The names each address maps to, comments left out. */
function table(text: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const l of text.split('\n')) {
    const [addr, ...names] = l.replace(/#.*/, '').trim().split(/\s+/);
    if (addr) m.set(addr, [...(m.get(addr) ?? []), ...names]);
  }
  return m;
}

describe('/etc/hosts keeps what a Debian system needs', () => {
  it.each([
    ['no file at all (an mmdebstrap image)', ''],
    ['only the kiosk name (what the field bug wrote)', '127.0.1.1\tkiosk-old\n'],
    ['a stock Debian file', DEBIAN],
    ['localhost missing from ::1 and 127.0.0.1 lines', '127.0.0.1 router # note\n::1 ip6-localhost\n'],
  ])('%s', (_what, before) => {
    const after = hostsContent(before, 'kiosk-35-09-13-2006');
    const t = table(after);
    expect(t.get('127.0.0.1')).toContain('localhost');
    expect(t.get('::1')).toEqual(expect.arrayContaining(['localhost', 'ip6-localhost', 'ip6-loopback']));
    expect(t.get('ff02::1')).toContain('ip6-allnodes');
    expect(t.get('ff02::2')).toContain('ip6-allrouters');
    expect(t.get('127.0.1.1')).toEqual(['kiosk-35-09-13-2006']);
    expect(after.split('\n').filter((l) => l.startsWith('127.0.1.1'))).toHaveLength(1);
    // converged: applying it again changes nothing
    expect(hostsContent(after, 'kiosk-35-09-13-2006')).toBe(after);
  });
  it('changes a stock Debian file only in its 127.0.1.1 line', () => {
    expect(hostsContent(DEBIAN, 'kiosk-a')).toBe(DEBIAN.replace('127.0.1.1\tdebian', '127.0.1.1\tkiosk-a'));
  });
  it('keeps the other names and comments of a line it completes', () => {
    expect(hostsContent('127.0.0.1 router # note\n', 'k')).toMatch(/^127\.0\.0\.1 router localhost # note\n127\.0\.1\.1\tk\n/);
  });
});
