/**
 * Report ids: UUID v7 (RFC 9562), a 48-bit millisecond timestamp then random bits, so ids sort
 * by creation time and never repeat across runners. The report id is the idempotency key.
 */
import { randomBytes } from 'node:crypto';

export function uuidv7(nowMs: number = Date.now(), random: Uint8Array = randomBytes(10)): string {
  const b = new Uint8Array(16);
  let t = Math.max(0, Math.floor(nowMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = t % 256;
    t = Math.floor(t / 256);
  }
  b.set(random.subarray(0, 10), 6);
  b[6] = 0x70 | (b[6]! & 0x0f); // version 7 (b has 16 bytes)
  b[8] = 0x80 | (b[8]! & 0x3f); // variant 10
  const h = Buffer.from(b).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A stable random UUID (v4) for the runner's identity. */
export function uuidv4(): string {
  return globalThis.crypto.randomUUID();
}
