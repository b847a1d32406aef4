/**
 * How a lower layer's advice reads to the operator: the UserError carries it as data
 * (src/errors.ts Advice) and this words it, naming the jfleet command to run. src/main.ts
 * prints it as the `jfleet: hint:` line.
 */
import type { Advice } from '../../errors.js';

/** The hint line's text for an advice. */
export function adviceText(advice: Advice): string {
  switch (advice.kind) {
    case 'fix-inventory':
      return 'fix the inventory (jfleet inventory check lists every problem)';
    case 'fix-inventory-file':
      return `fix ${advice.file} first (jfleet inventory check); nothing was written`;
    case 'no-inventory':
      return 'register packages with jfleet register, or pick an inventory with --inventory DIR / JFLEET_INVENTORY';
    case 'rollout-usage':
      return 'e.g. jfleet rollout --release 1.4.0 --waves 1,10%,50%,100% --max-fail 5%';
    case 'rollout-in-progress':
      return 'finish it with: jfleet rollout resume, or drop it with: jfleet rollout abort';
    case 'rollout-start':
      return 'start one with: jfleet rollout --release V';
    case 'rollout-restart':
      return `start a new one: jfleet rollout --release ${advice.release}`;
    case 'release-add':
      return advice.again
        ? `add it again from its bundle: jfleet release add PATH --version ${advice.version} (a damaged release is replaced)`
        : `add it first: jfleet release add PATH --version ${advice.version}`;
    case 'api-url-missing':
      return 'jfleet config set api.url https://central.example/fleet (or set JFLEET_API_URL); run one locally with jfleet central serve';
    case 'api-url-invalid':
      return 'jfleet config set api.url https://central.example/fleet';
    case 'api-token-missing':
      return 'jfleet config set api.token TOKEN (or set JFLEET_API_TOKEN)';
    case 'api-token-rejected':
      return 'set the right token with jfleet config set api.token TOKEN (or JFLEET_API_TOKEN), then run jfleet report';
    case 'outbox-list':
      return advice.all ? 'see jfleet outbox list --all' : 'jfleet outbox list';
    case 'cron-seconds':
      return 'drop the seconds field, e.g. "*/15 * * * *" (six fields with seconds work only for jfleet schedule run)';
    case 'config-file-broken':
      return 'fix or delete the file, then use jfleet config set';
    case 'config-env-invalid':
      return 'fix it with jfleet config set KEY VALUE (or unset the environment variable)';
  }
}
