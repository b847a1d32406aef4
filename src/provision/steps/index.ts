/**
 * Steps: pure plans from desired state and facts to the actions needed, or to none with a
 * reason. An empty plan when the facts already match is idempotency. Values reach commands
 * only through quote()/commandLine(); each kind validates its desired value once, before any
 * of it is used. One file per kind; this index names them all.
 */
import type { StepKind } from '../types.js';
import { absentStep } from './absent.js';
import { aptStep } from './apt.js';
import { debStep } from './deb.js';
import { directoryStep } from './directory.js';
import { fileStep } from './file.js';
import { hostnameStep } from './hostname.js';
import { keypairStep } from './keypair.js';
import { linkStep } from './link.js';
import { releaseBaseStep } from './release-base.js';
import { serviceStep } from './service.js';
import { sshdStep } from './sshd.js';
import { timezoneStep } from './timezone.js';
import { userStep } from './user.js';

// biome-ignore lint/suspicious/noExplicitAny: a registry of step kinds of different input types, each validated by its kind
export const STEP_KINDS: Record<string, StepKind<any>> = Object.fromEntries(
  [
    fileStep,
    directoryStep,
    linkStep,
    hostnameStep,
    timezoneStep,
    userStep,
    aptStep,
    debStep,
    serviceStep,
    releaseBaseStep,
    sshdStep,
    absentStep,
    keypairStep,
  ].map((k) => [k.kind, k]),
);

/** The step kind named `kind`; the recipe schema admits only these names. */
// biome-ignore lint/suspicious/noExplicitAny: see STEP_KINDS
export function stepKind(kind: string): StepKind<any> {
  const k = STEP_KINDS[kind];
  if (!k) throw new Error(`unknown step kind ${kind}`);
  return k;
}

export { sha256, unifiedDiff } from './common.js';
export type { StepContext } from '../types.js';
