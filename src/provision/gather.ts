/**
 * All facts of a device in one round trip: one remote script runs every fact command and
 * prints one JSON line per fact (exit code + base64 output). Pure: builds and parses text.
 */
import { FACTS } from './facts.js';
import type { FactRequest, FactSource, RawFact } from './types.js';

export function uniqueRequests(reqs: FactRequest[]): FactRequest[] {
  const seen = new Map<string, FactRequest>();
  for (const r of reqs) if (!seen.has(r.key)) seen.set(r.key, r);
  return [...seen.values()];
}

export function gatherScript(reqs: FactRequest[]): string {
  const parts = ['export LC_ALL=C'];
  reqs.forEach((r, i) => {
    const def = FACTS[r.fact];
    if (!def) throw new Error(`unknown fact ${r.fact}`);
    // printf x$? after the output keeps trailing newlines and the exit code through $( ).
    parts.push(
      `o=$( { ${def.command(r.args)}\n} </dev/null 2>/dev/null; printf 'x%d' $? ); r=\${o##*x}; o=\${o%x*}; ` +
        `printf '{"i":%d,"rc":%s,"b64":"%s"}\\n' ${i} "$r" "$(printf %s "$o" | base64 -w0)"`,
    );
  });
  return parts.join('\n') + '\n';
}

/** Parse the script's output into a fact source; a fact whose parser fails throws when read. */
export function parseGatherOutput(stdout: string, reqs: FactRequest[]): FactSource {
  const raw = new Map<number, RawFact>();
  for (const line of stdout.split('\n')) {
    if (!line.startsWith('{"i":')) continue;
    const j = JSON.parse(line) as { i: number; rc: number; b64: string };
    raw.set(j.i, { rc: j.rc, out: Buffer.from(j.b64, 'base64').toString('utf8') });
  }
  const values = new Map<string, { value?: unknown; error?: Error }>();
  reqs.forEach((r, i) => {
    const rf = raw.get(i);
    if (!rf) {
      values.set(r.key, { error: new Error(`fact ${r.key} missing from the device's answer`) });
      return;
    }
    try {
      values.set(r.key, { value: FACTS[r.fact].parse(rf, r.args) });
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
