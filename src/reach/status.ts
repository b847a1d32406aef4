/**
 * The tunnel is a fact of its own, apart from the probe's verdict, so "the link is down" and "the
 * kiosk is broken" are never confused. What is real, and what the runner reads: the kiosk's socket
 * on the bastion exists while its tunnel is up (sshd binds it when the kiosk logs in and the runner
 * stats it over SFTP, on the bastion connection it already holds): its mtime is when the tunnel
 * connected. A probe that got through is the tunnel seen working. A socket left by a session the
 * bastion has not reaped yet still exists: the probe's refused channel then says "down".
 */
import type { Db } from '../store/db.js';
import type { Pool } from '../transport/pool.js';
import type { DeviceTarget } from '../transport/types.js';

export type TunnelState = 'up' | 'down' | 'unknown';

export interface TunnelStatus {
  id: string;
  bastion: string;
  state: TunnelState;
  /** when the kiosk's current tunnel connected (its socket's bind time on the bastion) */
  connectedSince: string | null;
  /** the last time the tunnel was seen up */
  lastSeen: string | null;
  checkedAt: string;
  error: string | null;
  /** the bastion port the tunnel logged in on, as the kiosk last told a probe (null: not known yet) */
  port: number | null;
}

/** Pure: a tunnel's state from the socket and the probe. */
export function tunnelVerdict(socket: { mtime: Date } | null | 'unknown', probe: { reachable: boolean; tunnelDown: boolean }): TunnelState {
  if (probe.reachable) return 'up';
  if (probe.tunnelDown) return 'down';
  if (socket === 'unknown') return 'unknown';
  return socket ? 'up' : 'down';
}

/** Look at each tunnelled device's socket (one SFTP stat each, on the bastion connection) and store what is seen. */
export async function recordTunnels(
  db: Db,
  pool: Pick<Pool, 'tunnelSockets'>,
  seen: Array<{ target: DeviceTarget; reachable: boolean; error?: string; port?: number | null }>,
  now: Date,
): Promise<TunnelStatus[]> {
  const prev = readTunnels(db);
  const at = now.toISOString();
  const out: TunnelStatus[] = [];
  const sockets = await pool.tunnelSockets(seen.map((s) => s.target));
  for (const [k, s] of seen.entries()) {
    const got = sockets[k];
    const socket: { mtime: Date } | null | 'unknown' = got instanceof Error || got === undefined ? 'unknown' : got;
    const error: string | null = got instanceof Error ? got.message : null;
    const tunnelDown = !s.reachable && /its tunnel is not connected/.test(s.error ?? '');
    const state = tunnelVerdict(socket, { reachable: s.reachable, tunnelDown });
    const old = prev.get(s.target.id);
    const since = state === 'up' ? (socket && socket !== 'unknown' ? socket.mtime.toISOString() : (old?.connectedSince ?? null)) : null;
    out.push({
      id: s.target.id,
      bastion: s.target.bastion ?? '',
      state,
      connectedSince: since,
      lastSeen: state === 'up' ? at : (old?.lastSeen ?? null),
      checkedAt: at,
      error: state === 'up' ? null : (error ?? (s.reachable ? null : (s.error ?? null))),
      // a probe that got through read it on the kiosk; otherwise the last one known
      port: s.reachable && s.port != null ? s.port : (old?.port ?? null),
    });
  }
  const put = db.prepare(
    `INSERT INTO tunnel_status (id, bastion, state, connected_since, last_seen, checked_at, error, port) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT(id) DO UPDATE SET bastion = excluded.bastion, state = excluded.state, connected_since = excluded.connected_since,
       last_seen = excluded.last_seen, checked_at = excluded.checked_at, error = excluded.error, port = excluded.port`,
  );
  db.transaction(() => {
    for (const t of out) put.run(t.id, t.bastion, t.state, t.connectedSince, t.lastSeen, t.checkedAt, t.error, t.port);
  })();
  return out;
}

export function readTunnels(db: Db): Map<string, TunnelStatus> {
  const rows = db.prepare('SELECT id, bastion, state, connected_since, last_seen, checked_at, error, port FROM tunnel_status').all() as Array<{
    id: string;
    bastion: string;
    state: TunnelState;
    connected_since: string | null;
    last_seen: string | null;
    checked_at: string;
    error: string | null;
    port: number | null;
  }>;
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        bastion: r.bastion,
        state: r.state,
        connectedSince: r.connected_since,
        lastSeen: r.last_seen,
        checkedAt: r.checked_at,
        error: r.error,
        port: r.port,
      },
    ]),
  );
}
