import { describe, expect, it } from 'vitest';
import { cronToOnCalendar, mergeCronBlock, renderCronBlock, renderSystemdUnits, type InstallSpec } from '../../src/schedule/units.js';

const spec: InstallSpec = {
  node: '/usr/bin/node',
  bin: '/opt/jfleet/bin/jfleet.js',
  env: { JFLEET_HOME: '/var/lib/jfleet home', JFLEET_INVENTORY: '/srv/fleet' },
  cron: '*/10 * * * *',
  user: 'jfleet',
  args: ['--limit', "Kencong,tag:it's"],
  logFile: '/var/log/jfleet/sweep%.log',
};

describe('cronToOnCalendar', () => {
  it.each([
    ['*/15 * * * *', '*-*-* *:00/15:00'],
    ['0 2 * * *', '*-*-* 02:00:00'],
    ['5 * * * *', '*-*-* *:05:00'],
    ['0 */6 * * *', '*-*-* 00/6:00:00'],
  ])('%s → %s', (cron, cal) => expect(cronToOnCalendar(cron)).toBe(cal));
  it.each(['0 2 * * 1-5', '1,31 * * * *', '*/5 * * * * *'])('%s needs --on-calendar', (cron) => {
    expect(() => cronToOnCalendar(cron)).toThrow(/--on-calendar/);
  });
});

describe('systemd units', () => {
  const u = renderSystemdUnits(spec, '*-*-* *:00/10:00', 30);
  it('a oneshot service that waits for the sweep lock, with the fleet exit codes as success', () => {
    expect(u.service).toMatch(/^Type=oneshot$/m);
    expect(u.service).toContain(`ExecStart=/usr/bin/node /opt/jfleet/bin/jfleet.js sweep --wait --limit "Kencong,tag:it's"`);
    expect(u.service).toContain('Environment="JFLEET_HOME=/var/lib/jfleet home"');
    expect(u.service).toMatch(/^SuccessExitStatus=1 3 6 7$/m);
    expect(u.service).toMatch(/^User=jfleet$/m);
  });
  it('a persistent timer with jitter', () => {
    expect(u.timer).toMatch(/^OnCalendar=\*-\*-\* \*:00\/10:00$/m);
    expect(u.timer).toMatch(/^RandomizedDelaySec=30$/m);
    expect(u.timer).toMatch(/^WantedBy=timers.target$/m);
  });
  it('refuses a value that would break out of its line', () => {
    expect(() => renderSystemdUnits({ ...spec, env: { JFLEET_HOME: '/x\nExecStartPre=/bin/rm -rf /' } }, '*:0/5', 0)).toThrow(/control characters/);
  });
});

describe('cron block', () => {
  const block = renderCronBlock(spec, true);
  it('quotes for /bin/sh, escapes %, carries the user field', () => {
    expect(block).toContain(
      `*/10 * * * * jfleet JFLEET_HOME='/var/lib/jfleet home' JFLEET_INVENTORY=/srv/fleet /usr/bin/node /opt/jfleet/bin/jfleet.js sweep --wait --limit 'Kencong,tag:it'\\''s' >> '/var/log/jfleet/sweep\\%.log' 2>&1`,
    );
  });
  it('installing twice changes nothing; other lines are kept', () => {
    const once = mergeCronBlock('MAILTO=ops\n0 1 * * * root backup\n', block);
    expect(mergeCronBlock(once, block)).toBe(once);
    expect(once.startsWith('MAILTO=ops\n0 1 * * * root backup\n# BEGIN jfleet')).toBe(true);
    const changed = mergeCronBlock(once, renderCronBlock({ ...spec, cron: '0 * * * *' }, true));
    expect(changed.match(/BEGIN jfleet/g)).toHaveLength(1);
    expect(changed).toContain('0 * * * * jfleet');
  });
});
