import { describe, expect, it } from 'vitest';
import { inMaintenance, parseHealthSettings } from '../../src/health/settings.js';
import { at as elementAt } from '../helpers/at.js';

describe('health.yaml', () => {
  it('parses thresholds, groups, probe targets and maintenance windows', () => {
    const r = parseHealthSettings(
      `thresholds: { disk_warn_pct: 20 }
groups:
  - limit: Kencong
    thresholds: { upstream_state: critical }
probe: { internet: 8.8.8.8, gateway: "" }
maintenance:
  - { limit: "tag:reboot", days: [mon], from: "23:30", to: "00:30" }
retention_days: 30
utc_offset: "+07:00"
`,
      'health.yaml',
    );
    expect(r.issues).toEqual([]);
    expect(r.value.thresholds).toEqual({ diskWarnPct: 20 });
    expect(r.value.groups).toEqual([{ limit: 'Kencong', thresholds: { upstreamState: 'critical' } }]);
    expect(r.value.probe).toMatchObject({ internet: '8.8.8.8', gateway: undefined, dnsName: 'jemberkab.go.id' });
    expect(r.value.maintenance).toEqual([{ limit: 'tag:reboot', days: [1], fromMin: 23 * 60 + 30, toMin: 30 }]);
    expect(r.value.retentionDays).toBe(30);
  });
  it.each([
    ['nope: 1', 'nope'],
    ['thresholds: { disk_warn_pct: -1 }', 'thresholds.disk_warn_pct'],
    ['groups: [ { thresholds: {} } ]', 'groups[0].limit'],
    ['probe: { dns: x }', 'probe.dns'],
    ['maintenance: [ { from: "25:00", to: "01:00" } ]', 'maintenance[0].from'],
    ['maintenance: [ { from: "01:00", to: "02:00", days: [someday] } ]', 'maintenance[0].days'],
    ['retention_days: 0', 'retention_days'],
    ['utc_offset: WIB', 'utc_offset'],
  ])('%s → issue at %s', (text, field) => {
    const r = parseHealthSettings(text, 'health.yaml');
    expect(r.issues.map((i) => i.field)).toContain(field);
    expect(elementAt(r.issues, 0).file).toBe('health.yaml');
  });
  it.each([
    ['api_url', '-K/etc/passwd', /must not start with "-"/],
    ['portal_url', '-K/etc/passwd', /must not start with "-"/],
    ['portal_url', 'ftp://portal.example.id/', /http\(s\) URL/],
    ['api_url', 'portal.example.id', /http\(s\) URL/],
    ['api_url', 'https://x.example.id/a b', /spaces or control/],
    ['gateway', '-fI127.0.0.1', /must not start with "-"/],
    ['gateway', '10.0.0.1;reboot', /IP address or a host name \(or auto\)/],
    ['internet', '--help', /must not start with "-"/],
    ['dns_name', '-s', /must not start with "-"/],
    ['dns_name', 'jember_kab.go.id', /host name \(RFC 1123\)/],
    ['dns_name', 'a-.go.id', /host name/],
  ])('probe.%s: %s is a located issue: it would reach curl, ping or getent as an option', (key, v, re) => {
    const r = parseHealthSettings(`retention_days: 30\nprobe:\n  # each becomes an operand on the device\n  ${key}: ${JSON.stringify(v)}\n`, 'health.yaml');
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ file: 'health.yaml', line: 4, field: `probe.${key}` });
    expect(elementAt(r.issues, 0).message).toMatch(re);
  });
  it('takes http(s) URLs, addresses and RFC 1123 host names as probe targets', () => {
    const r = parseHealthSettings(
      'probe: { gateway: auto, internet: "2606:4700:4700::1111", dns_name: jemberkab.go.id., portal_url: "https://portal.jemberkab.go.id/kiosk?x=1", api_url: "http://10.0.0.5:8080/api" }',
      'health.yaml',
    );
    expect(r.issues).toEqual([]);
    expect(parseHealthSettings('probe: { gateway: 192.168.1.1, internet: one.one.one.one }', 'h').issues).toEqual([]);
  });
  it('maintenance windows in local time (WIB), wrapping past midnight', () => {
    const w = { days: [1], fromMin: 23 * 60 + 30, toMin: 30 }; // Monday 23:30 → Tuesday 00:30
    const at = (iso: string) => inMaintenance(w, new Date(iso), 7 * 60);
    expect(at('2026-03-02T16:45:00Z')).toBe(true); // Mon 23:45 WIB
    expect(at('2026-03-02T17:15:00Z')).toBe(true); // Tue 00:15 WIB
    expect(at('2026-03-02T17:45:00Z')).toBe(false); // Tue 00:45 WIB
    expect(at('2026-03-09T16:15:00Z')).toBe(false); // Mon 23:15 WIB
    expect(at('2026-03-03T16:45:00Z')).toBe(false); // Tue 23:45 WIB: not a Monday window
  });
});
