/**
 * Turning what ssh2 and the socket layer throw into the kinds a fleet report must tell apart
 * (unreachable, auth, hostkey, timeout, protocol). Pure.
 */
import { TransportError, type TransportErrorKind } from './types.js';

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EADDRNOTAVAIL',
  'ECONNABORTED',
]);

export interface RawError {
  message?: string;
  code?: string | number;
  level?: string;
}

/** What went wrong while connecting; `tcpConnected` tells a refused/black-holed device from a hung sshd. */
export function classifyConnectError(
  err: RawError,
  ctx: { target: string; tcpConnected: boolean; timeoutMs: number; offeredHostKey?: string },
): { kind: TransportErrorKind; message: string } {
  const code = typeof err.code === 'string' ? err.code : undefined;
  const msg = err.message ?? String(err);
  if (err.level === 'handshake' && /signature verification failed/i.test(msg)) {
    // the server offered a host key but could not sign the key exchange with it
    const key = ctx.offeredHostKey ? `host key ${ctx.offeredHostKey}` : 'a host key';
    return {
      kind: 'hostkey',
      message: `${ctx.target} offered ${key} but did not prove it holds it (bad key-exchange signature: a man in the middle?); nothing was pinned`,
    };
  }
  if (err.level === 'client-authentication') {
    return { kind: 'auth', message: `authentication failed on ${ctx.target} (no offered key or password was accepted)` };
  }
  if (err.level === 'client-timeout' || /timed out/i.test(msg)) {
    return ctx.tcpConnected
      ? { kind: 'timeout', message: `${ctx.target} accepted TCP but did not complete the SSH handshake within ${ctx.timeoutMs} ms (device hung?)` }
      : { kind: 'unreachable', message: `${ctx.target} unreachable: connect timed out after ${ctx.timeoutMs} ms` };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') {
    return { kind: 'unreachable', message: `${ctx.target} unreachable: cannot resolve host name (${code})` };
  }
  if (code === 'ECONNREFUSED') return { kind: 'unreachable', message: `${ctx.target} unreachable: connection refused (sshd not running or device off)` };
  if (code && UNREACHABLE_CODES.has(code)) return { kind: 'unreachable', message: `${ctx.target} unreachable: ${code}` };
  if (err.level === 'client-socket' || /connection lost|socket|closed/i.test(msg)) {
    return { kind: 'unreachable', message: `${ctx.target} unreachable: ${msg}` };
  }
  return { kind: 'protocol', message: `${ctx.target}: SSH protocol error: ${msg}` };
}

/** Worth retrying: a quick, possibly transient network failure (not auth, host key, or a hung device). */
export function isRetryable(e: unknown): boolean {
  if (!(e instanceof TransportError)) return false;
  if (e.kind !== 'unreachable') return false;
  return !/timed out|resolve/.test(e.message);
}

/** Jittered exponential backoff: base·2^attempt scaled by a factor in [0.5, 1.5). */
export function backoffMs(attempt: number, baseMs: number, random: () => number = Math.random): number {
  return Math.round(baseMs * 2 ** attempt * (0.5 + random()));
}
