import { describe, expect, it } from 'vitest';
import { backoffMs, classifyConnectError, isRetryable } from '../../src/transport/classify.js';
import { TransportError } from '../../src/transport/types.js';

const c = (err: object, tcpConnected = false) => classifyConnectError(err, { target: 'kiosk-a', tcpConnected, timeoutMs: 5000 });

describe('classifyConnectError', () => {
  it.each([
    [{ code: 'ECONNREFUSED', level: 'client-socket', message: 'connect ECONNREFUSED' }, false, 'unreachable', /refused/],
    [{ code: 'EHOSTUNREACH', level: 'client-socket' }, false, 'unreachable', /EHOSTUNREACH/],
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND x' }, false, 'unreachable', /resolve/],
    [{ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, false, 'unreachable', /connect timed out after 5000 ms/],
    [{ level: 'client-timeout', message: 'Timed out while waiting for handshake' }, true, 'timeout', /did not complete the SSH handshake within 5000 ms/],
    [{ level: 'client-authentication', message: 'All configured authentication methods failed' }, true, 'auth', /authentication failed/],
    [{ level: 'protocol', message: 'Bad packet length' }, true, 'protocol', /Bad packet length/],
  ])('%o (tcp %s) → %s', (err, tcp, kind, msg) => {
    const r = c(err, tcp as boolean);
    expect(r.kind).toBe(kind);
    expect(r.message).toMatch(msg as RegExp);
  });
  it('a host key the server cannot sign with is a host-key failure naming the key, not a protocol error', () => {
    const err = { level: 'handshake', message: 'Handshake failed: signature verification failed' };
    const r = classifyConnectError(err, { target: 'kiosk-a', tcpConnected: true, timeoutMs: 5000, offeredHostKey: 'SHA256:abc' });
    expect(r).toEqual({
      kind: 'hostkey',
      message: 'kiosk-a offered host key SHA256:abc but did not prove it holds it (bad key-exchange signature: a man in the middle?); nothing was pinned',
    });
    expect(isRetryable(new TransportError(r.kind, 'kiosk-a', r.message))).toBe(false);
  });
  it('retries quick network failures only', () => {
    expect(isRetryable(new TransportError('unreachable', 'a', 'a unreachable: connection refused'))).toBe(true);
    expect(isRetryable(new TransportError('unreachable', 'a', 'connect timed out'))).toBe(false);
    expect(isRetryable(new TransportError('auth', 'a', 'x'))).toBe(false);
    expect(isRetryable(new TransportError('hostkey', 'a', 'x'))).toBe(false);
  });
  it('backs off exponentially with jitter', () => {
    expect(backoffMs(0, 200, () => 0)).toBe(100);
    expect(backoffMs(2, 200, () => 0.5)).toBe(800);
    expect(backoffMs(1, 200, () => 0.999)).toBeLessThanOrEqual(600);
  });
});
