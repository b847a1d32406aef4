/**
 * Who may read the reference central server, and which Host names it answers to. Pure: the
 * server (server.ts) and `jfleet central serve` decide with these; tests check them as tables.
 */
import { isIP } from 'node:net';

/** 127.0.0.0/8, ::1 (also IPv4-mapped) and "localhost": reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = unbracket(host).toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

export type ReadAccess = { mode: 'open' | 'token' } | { refuse: string };

/**
 * Reads (the dashboard, GET /v1/fleet, GET /v1/devices/ID/history) need a read token when one
 * is given (also on loopback), are open on loopback, and on any other address are open only
 * when the operator says so (--public-read); otherwise the server refuses to start.
 */
export function readAccess(bindHost: string, opts: { readToken?: string; publicRead?: boolean }): ReadAccess {
  if (opts.readToken && opts.publicRead) return { refuse: 'a read token and --public-read contradict each other: pick one' };
  if (opts.readToken) return { mode: 'token' };
  if (opts.publicRead || isLoopbackHost(bindHost)) return { mode: 'open' };
  return {
    refuse: `on ${bindHost} the dashboard and fleet JSON would be open to the network: set a read token (JFLEET_CENTRAL_READ_TOKEN or --read-token), or say --public-read`,
  };
}

/**
 * A request's Host header (name or address, with an optional port) is one the server answers
 * to: its bind address, localhost, a --server-name; on a wildcard bind (0.0.0.0, ::) also any IP
 * address literal. Anything else (a DNS-rebinding page at evil.example) is refused.
 */
export function hostAllowed(hostHeader: string | undefined, opts: { bindHost: string; serverNames?: string[] }): boolean {
  if (!hostHeader) return false;
  const name = stripPort(hostHeader.trim()).toLowerCase().replace(/\.$/, '');
  if (!name) return false;
  const bind = unbracket(opts.bindHost).toLowerCase();
  if (name === bind || name === 'localhost') return true;
  if ((opts.serverNames ?? []).some((n) => n.toLowerCase().replace(/\.$/, '') === name)) return true;
  return (bind === '0.0.0.0' || bind === '::') && isIP(name) !== 0;
}

function unbracket(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function stripPort(h: string): string {
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? '' : h.slice(1, end);
  }
  const colons = h.split(':').length - 1;
  if (colons === 1) return h.slice(0, h.indexOf(':'));
  return colons === 0 ? h : ''; // a bare IPv6 address without brackets is not a valid Host
}
