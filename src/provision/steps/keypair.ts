/**
 * Step kind `keypair`: an ed25519 key made ON the device (its private half never leaves it), e.g.
 * the tunnel key the kiosk logs in to its bastion with. Present = ok (a key is never replaced:
 * the bastion knows it); absent = ssh-keygen. Pure.
 */
import { commandLine } from '../../transport/shell.js';
import { fileFact, req, type FileFact } from '../facts.js';
import type { StepKind } from '../types.js';
import { ABS_PATH_RE, changed, check, dirname, fail, guarded, ok } from './common.js';

export interface KeypairDesired {
  path: string;
  comment: string;
}

export const keypairStep: StepKind<KeypairDesired> = guarded({
  kind: 'keypair',
  validate: (d) => {
    check(ABS_PATH_RE.test(d.path), `path ${JSON.stringify(d.path)} must be an absolute path of plain names`);
    check(/^[A-Za-z0-9._@ -]{1,100}$/.test(d.comment), `comment ${JSON.stringify(d.comment)} must be letters, digits, spaces and . _ @ -`);
  },
  facts: (d) => [req(fileFact, { path: d.path }), req(fileFact, { path: `${d.path}.pub` })],
  plan: (d, { facts }) => {
    const priv = facts.get<FileFact>(req(fileFact, { path: d.path }));
    const pub = facts.get<FileFact>(req(fileFact, { path: `${d.path}.pub` }));
    if (priv.kind === 'wrong' || pub.kind === 'wrong') return fail(`${d.path} (or its .pub) is not a regular file; remove it by hand`);
    if (priv.kind === 'file' && pub.kind === 'file') return ok(`${d.path} exists (kept: the bastion knows its public half)`);
    if (priv.kind === 'file') return fail(`${d.path} exists without ${d.path}.pub; restore it with ssh-keygen -y -f ${d.path}`);
    return changed(
      [`make an ed25519 key at ${d.path} (show it with: cat ${d.path}.pub)`],
      [
        {
          kind: 'exec',
          command: `${commandLine(['install', '-d', '-m', '0755', dirname(d.path)])} && rm -f ${commandLine([`${d.path}.pub`])} && ${commandLine(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', d.comment, '-f', d.path])}`,
          description: `ssh-keygen ${d.path}`,
        },
      ],
      [{ label: d.path, before: '(absent)', after: 'ed25519 key' }],
    );
  },
});
