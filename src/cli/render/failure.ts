/**
 * How a device failure reads to the operator: the error's own message, then what to do about it,
 * worded here from the hint the lower layer attached as data (the transport names no command).
 * Exec, sweep, provision and rollout recaps and single-device commands all word failures with it.
 */
import { TransportError, type TransportHint } from '../../transport/types.js';

/** The advice a hint stands for, as it follows the message. */
export function hintText(hint: TransportHint): string {
  switch (hint.kind) {
    case 'hostkey-accept':
      return `; if the device was reinstalled, run: jfleet hostkey accept ${hint.id}`;
    case 'keys-init':
      return ' (run: jfleet keys init, or set keyFile)';
    case 'bastion-hostkey':
      return `; if bastion ${hint.bastion} was rebuilt, put its new key (ssh-keyscan, read on the bastion itself) in bastions.yaml hostKey`;
    case 'tunnel-down':
      return ` (the kiosk's jfleet-tunnel.service is not connected: check its power and 4G link, that it was provisioned with reach: tunnel, and on the bastion: jfleet bastion add ${hint.id})`;
  }
}

export function failureText(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return e instanceof TransportError && e.hint ? message + hintText(e.hint) : message;
}
