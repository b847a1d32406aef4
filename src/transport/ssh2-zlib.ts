/**
 * A guard for an ssh2 1.x bug (mscdex/ssh2#1178, open): once a compressed connection's socket
 * has closed, ssh2 frees its zlib stream, but a channel that is destroyed afterwards (a stream
 * ending on the next tick, a pool dropping a lost session) still sends CHANNEL_CLOSE through it,
 * and ZlibPacketWriter.finalize throws "Invalid Zlib instance" from a stream callback: an
 * uncaught exception that ends the whole run. Uncompressed connections drop such a packet
 * quietly (the freed cipher's encrypt is a no-op); this makes compressed ones do the same, and
 * nothing else: a live zlib stream is used exactly as before. Found by the lab's "session killed
 * mid-command" and "4G link cut mid-transfer" tests, which crashed with it.
 */
import { createRequire } from 'node:module';

interface ZlibWriter {
  _zlib?: { _handle: unknown };
  finalize(payload: Buffer, force?: boolean): Buffer;
}

const require = createRequire(import.meta.url);
const { ZlibPacketWriter } = require('ssh2/lib/protocol/zlib.js') as {
  ZlibPacketWriter: { prototype: ZlibWriter };
};

const finalize = ZlibPacketWriter.prototype.finalize;
if (typeof finalize !== 'function') throw new Error('ssh2: ZlibPacketWriter.finalize not found (ssh2 changed; see src/transport/ssh2-zlib.ts)');

ZlibPacketWriter.prototype.finalize = function guardedFinalize(this: ZlibWriter, payload: Buffer, force?: boolean): Buffer {
  // A freed stream means the connection is gone: its cipher is freed too and drops the packet.
  if (this._zlib && !this._zlib._handle) return payload;
  return finalize.call(this, payload, force);
};
