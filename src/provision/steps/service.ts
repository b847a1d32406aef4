/** Step kind `service`: a systemd unit enabled (a wants link), and started on a booted device. Pure. */
import { commandLine } from '../../transport/shell.js';
import { activeFact, linkFact, req, systemFact, type ActiveFact, type LinkFact, type SystemFact } from '../facts.js';
import type { Action, Diff, StepKind } from '../types.js';
import { UNIT_RE, changed, check, guarded, ok, skip } from './common.js';

export interface ServiceDesired {
  unit: string;
  /** the target whose .wants/ holds the enable link */
  wantedBy: string;
  /** on a booted device also start it; never on an offline root */
  started?: boolean;
}

function wantsLink(d: ServiceDesired): string {
  return `/etc/systemd/system/${d.wantedBy}.wants/${d.unit}`;
}

export const serviceStep: StepKind<ServiceDesired> = guarded({
  kind: 'service',
  validate: (d) =>
    check(UNIT_RE.test(d.unit) && UNIT_RE.test(d.wantedBy), `unit names ${JSON.stringify(d.unit)}/${JSON.stringify(d.wantedBy)} are not systemd unit names`),
  facts: (d) => [req(linkFact, { path: wantsLink(d) }), req(systemFact, {}), req(activeFact, { unit: d.unit })],
  plan: (d, { facts }) => {
    const link = facts.get<LinkFact>(req(linkFact, { path: wantsLink(d) }));
    const sys = facts.get<SystemFact>(req(systemFact, {}));
    const act = facts.get<ActiveFact>(req(activeFact, { unit: d.unit }));
    const actions: Action[] = [];
    const diffs: Diff[] = [];
    const reasons: string[] = [];
    if (link.kind !== 'link') {
      // systemctl enable only writes links: it works on an offline root too.
      actions.push({ kind: 'exec', command: commandLine(['systemctl', 'enable', d.unit]) });
      diffs.push({ label: `${d.unit} enabled`, before: 'no', after: 'yes' });
      reasons.push(`enable ${d.unit}`);
    }
    // A unit whose start condition is false on this device (systemd-timesyncd in a container, a
    // kiosk with no tty1) is not started by `systemctl start`: planning it again would report the
    // same change on every run. Said once, as a skip with the reason.
    const unmet = Boolean(d.started && sys.booted && !act.active && act.conditionUnmet);
    if (d.started && sys.booted && !act.active && !unmet) {
      actions.push({ kind: 'exec', command: commandLine(['systemctl', 'start', d.unit]) });
      diffs.push({ label: `${d.unit} active`, before: act.state, after: 'active' });
      reasons.push(`start ${d.unit}`);
    }
    if (unmet && !actions.length) return skip(`skipped: condition not met (systemd did not start ${d.unit}: a Condition… of the unit is false on this device)`);
    if (unmet) reasons.push(`not started: condition not met`);
    if (!actions.length) return ok(`${d.unit} enabled${d.started ? (sys.booted ? ' and active' : ' (systemd not running: not started)') : ''}`);
    return changed(reasons, actions, diffs);
  },
});
