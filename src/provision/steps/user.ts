/** Step kind `user`: a local user: home, shell, supplementary groups, a locked password. Pure. */
import { commandLine } from '../../transport/shell.js';
import { req, userFact, type UserFact } from '../facts.js';
import type { Action, Diff, StepKind } from '../types.js';
import { ABS_PATH_RE, NAME_RE, changed, check, guarded, ok } from './common.js';

export interface UserDesired {
  name: string;
  home: string;
  shell: string;
  groups: string[];
  /** no password can be used to log in (autologin and keys only) */
  locked: boolean;
}

export const userStep: StepKind<UserDesired> = guarded({
  kind: 'user',
  validate: (d) => {
    check(NAME_RE.test(d.name), `user name ${JSON.stringify(d.name)} is not a POSIX user name`);
    check(ABS_PATH_RE.test(d.home) && ABS_PATH_RE.test(d.shell), 'home and shell must be absolute paths');
    for (const g of d.groups) check(NAME_RE.test(g), `group ${JSON.stringify(g)} is not a group name`);
  },
  facts: (d) => [req(userFact, { name: d.name })],
  plan: (d, { facts }) => {
    const u = facts.get<UserFact>(req(userFact, { name: d.name }));
    const groups = [...d.groups].sort();
    if (u.kind === 'absent') {
      const cmds = [
        commandLine([
          'useradd',
          '--create-home',
          '--home-dir',
          d.home,
          '--shell',
          d.shell,
          '--user-group',
          ...(groups.length ? ['--groups', groups.join(',')] : []),
          d.name,
        ]),
      ];
      if (d.locked) cmds.push(commandLine(['usermod', '--lock', d.name]));
      return changed(
        [`create user ${d.name}`],
        [{ kind: 'exec', command: cmds.join(' && ') }],
        [
          {
            label: `user ${d.name}`,
            before: '(absent)',
            after: `home ${d.home}, shell ${d.shell}, groups [${groups.join(',')}]${d.locked ? ', password locked' : ''}`,
          },
        ],
      );
    }
    const actions: Action[] = [];
    const diffs: Diff[] = [];
    if (u.home !== d.home) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--home', d.home, '--move-home', d.name]) });
      diffs.push({ label: `user ${d.name} home`, before: u.home, after: d.home });
    }
    if (u.shell !== d.shell) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--shell', d.shell, d.name]) });
      diffs.push({ label: `user ${d.name} shell`, before: u.shell, after: d.shell });
    }
    // id -nG lists the primary group too; compare supplementary groups only.
    const have = u.groups.filter((g) => g !== d.name).sort();
    if (have.join(',') !== groups.join(',')) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--groups', groups.join(','), d.name]) });
      diffs.push({ label: `user ${d.name} groups`, before: have.join(','), after: groups.join(',') });
    }
    if (d.locked && !u.locked) {
      actions.push({ kind: 'exec', command: commandLine(['usermod', '--lock', d.name]) });
      diffs.push({ label: `user ${d.name} password`, before: 'usable', after: 'locked' });
    }
    if (!actions.length) return ok(`user ${d.name} matches`);
    return changed(
      diffs.map((x) => `fix ${x.label}`),
      actions,
      diffs,
    );
  },
});
