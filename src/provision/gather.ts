/**
 * All facts of a device in one round trip: one remote script runs every fact command, each
 * followed by a marker line. Pure: builds and parses text.
 */
import { FACTS } from './facts.js';
import type { FactRequest, FactSource, RawFact } from './types.js';

export function uniqueRequests(reqs: FactRequest[]): FactRequest[] {
  const seen = new Map<string, FactRequest>();
  for (const r of reqs) if (!seen.has(r.key)) seen.set(r.key, r);
  return [...seen.values()];
}

/**
 * One script for all facts. Each fact's output is followed by a marker line carrying a per-run
 * nonce, its index and its exit code: no per-fact encoding, so no extra processes on the device,
 * and no fact output can forge a marker it cannot know.
 */
export function gatherScript(reqs: FactRequest[], nonce: string): string {
  if (!/^[A-Za-z0-9]{8,}$/.test(nonce)) throw new Error('gather nonce must be 8+ letters or digits');
  const parts = ['export LC_ALL=C'];
  reqs.forEach((r, i) => {
    const def = FACTS[r.fact];
    if (!def) throw new Error(`unknown fact ${r.fact}`);
    parts.push(`{ ${def.command(r.args)}\n} </dev/null 2>/dev/null; echo "@@${nonce} ${i} $?"`);
  });
  return parts.join('\n') + '\n';
}

/** Parse the script's output into a fact source; a fact whose parser fails throws when read. */
export function parseGatherOutput(stdout: string, reqs: FactRequest[], nonce: string): FactSource {
  const raw = new Map<number, RawFact>();
  const marker = new RegExp(`^@@${nonce} (\\d+) (\\d+)$`);
  let buf: string[] = [];
  for (const line of stdout.split('\n')) {
    const m = marker.exec(line);
    if (m) {
      raw.set(Number(m[1]), { rc: Number(m[2]), out: buf.length ? buf.join('\n') + '\n' : '' });
      buf = [];
    } else buf.push(line);
  }
  const values = new Map<string, { value?: unknown; error?: Error }>();
  reqs.forEach((r, i) => {
    const rf = raw.get(i);
    if (!rf) {
      values.set(r.key, { error: new Error(`fact ${r.key} missing from the device's answer`) });
      return;
    }
    try {
      const def = FACTS[r.fact];
      if (!def) throw new Error(`unknown fact ${r.fact}`);
      values.set(r.key, { value: def.parse(rf, r.args) });
    } catch (e) {
      values.set(r.key, { error: e instanceof Error ? e : new Error(String(e)) });
    }
  });
  return mapFactSource(values);
}

export function mapFactSource(values: Map<string, { value?: unknown; error?: Error }>): FactSource {
  return {
    get<V>(req: FactRequest): V {
      const v = values.get(req.key);
      if (!v) throw new Error(`fact ${req.key} was not gathered`);
      if (v.error) throw v.error;
      return v.value as V;
    },
  };
}
