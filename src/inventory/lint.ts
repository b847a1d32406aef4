/**
 * `jfleet inventory check`: everything wrong with an inventory, as errors (exit non-zero) and
 * warnings. Pure: works on what load.ts parsed.
 */
import type { InputIssue } from '../errors.js';
import type { Package } from './schema.js';

export interface LintIssue extends InputIssue {
  severity: 'error' | 'warning';
}

export function lintInventory(packages: Package[], loadIssues: InputIssue[], file: string, lineOfId: (id: string) => number | undefined): LintIssue[] {
  const out: LintIssue[] = loadIssues.map((i) => ({ ...i, severity: 'error' as const }));
  const ids = new Set(packages.map((p) => p.id));
  // The same host on several ports is allowed (several packages behind one NAT) but worth a look.
  const byHost = new Map<string, Package[]>();
  for (const p of packages) {
    const k = p.address.toLowerCase().replace(/\.$/, '');
    byHost.set(k, [...(byHost.get(k) ?? []), p]);
  }
  for (const [host, list] of byHost) {
    const [first, ...rest] = list;
    if (!first || rest.length === 0) continue;
    for (const p of rest) {
      out.push({
        severity: 'warning',
        file,
        line: lineOfId(p.id),
        field: `${p.id}.address`,
        message: `address ${host} is shared with ${first.id} (different ports); check that this is intended`,
      });
    }
  }
  for (const p of packages) {
    if (p.jump && /^[a-z0-9-]+$/.test(p.jump) && !p.jump.includes('.') && !ids.has(p.jump)) {
      out.push({
        severity: 'error',
        file,
        line: lineOfId(p.id),
        field: `${p.id}.jump`,
        message: `jump host "${p.jump}" is not a package id in this inventory`,
      });
    }
    if (p.jump === p.id) out.push({ severity: 'error', file, line: lineOfId(p.id), field: `${p.id}.jump`, message: 'a package cannot be its own jump host' });
  }
  return out.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}
