/**
 * Loading never prints: it returns the packages and every problem found, each located as
 * file:line field. The CLI decides what to print and exits 2 on errors.
 */
import { LineCounter, parseDocument, isSeq, isMap, isScalar, type Document, type Node } from 'yaml';
import { issueMessage, issuePath, yamlMessage, type InputIssue } from '../errors.js';
import { readInputFile } from '../input-file.js';
import { MAX_ALIAS_COUNT, unknownKeyMessage, YAML_PARSE_OPTIONS, yamlErrorLine, yamlTextIssue, yamlTreeIssues } from '../yaml-guard.js';
import { packageSchema, type Package } from './schema.js';
import { packagesFile } from './paths.js';
import { bastionsFile, loadBastions, reachIssues } from './bastions.js';
import { dirname } from 'node:path';
import type { VillageReference } from './villages.js';

export interface LoadResult {
  file: string;
  packages: Package[];
  issues: InputIssue[];
  exists: boolean;
  /** the position in the YAML list of each valid package (same index as packages) */
  indexes?: number[];
}

export function loadInventory(dir: string, ref?: VillageReference): LoadResult {
  const file = packagesFile(dir);
  // a regular file of at most MAX_INPUT_BYTES; anything else is one UserError line
  const text = readInputFile(file);
  if (text === undefined) return { file, packages: [], issues: [], exists: false };
  return { ...parseInventory(text, file, ref), exists: true };
}

export function parseInventory(text: string, file: string, ref?: VillageReference): Omit<LoadResult, 'exists'> {
  const { packages, issues, indexes } = parseInventoryDocument(text, file, ref);
  return { file, packages, issues, indexes };
}

export interface ParsedInventory {
  file: string;
  /** the YAML document, for edits that keep comments and order */
  doc: Document;
  packages: Package[];
  /** the sequence item each valid package came from (same index as packages) */
  nodes: Node[];
  /** that item's position in the list, for field paths (same index as packages) */
  indexes: number[];
  issues: InputIssue[];
}

/** Parses once and keeps the document, so the store can edit what it validated. */
export function parseInventoryDocument(text: string, file: string, ref?: VillageReference): ParsedInventory {
  const lc = new LineCounter();
  const textIssue = yamlTextIssue(text, file);
  const doc = parseDocument(textIssue ? '' : text, { lineCounter: lc, ...YAML_PARSE_OPTIONS });
  const none = (issues: InputIssue[]): ParsedInventory => ({ file, doc, packages: [], nodes: [], indexes: [], issues });
  if (textIssue) return none([textIssue]);
  const issues: InputIssue[] = [];
  const lineOf = (node: Node | null | undefined) => (node?.range ? lc.linePos(node.range[0]).line : undefined);
  for (const err of [...doc.errors, ...doc.warnings]) {
    issues.push({ file, line: yamlErrorLine(err, text, lc), message: yamlMessage(err) });
  }
  if (issues.length) return none(issues);
  issues.push(...yamlTreeIssues(doc, file, lc));
  if (issues.length) return none(issues);
  const root = doc.contents;
  if (root === null || root === undefined) return none(issues);
  if (!isMap(root)) return none([{ file, line: lineOf(root as Node), message: 'expected a mapping with a "packages" list' }]);
  for (const pair of root.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    if (key !== 'packages')
      issues.push({
        file,
        line: lineOf(pair.key as Node),
        field: key.replace(/[\u0000-\u001f\u007f-\u009f\uFEFF]/g, '?').slice(0, 60),
        message: unknownKeyMessage(key, ['packages']),
      });
  }
  if (issues.length) return none(issues);
  const list = root.get('packages', true) as Node | undefined;
  if (list === undefined || list === null || (isScalar(list) && list.value === null)) return none(issues);
  if (!isSeq(list)) return none([{ file, line: lineOf(list), field: 'packages', message: 'must be a list' }]);

  const packages: Package[] = [];
  const nodes: Node[] = [];
  const indexes: number[] = [];
  list.items.forEach((item, idx) => {
    const itemNode = item as Node;
    let plain: unknown;
    try {
      plain = (itemNode as { toJS(doc: Document, o: { maxAliasCount: number }): unknown }).toJS(doc, { maxAliasCount: MAX_ALIAS_COUNT });
    } catch (e) {
      issues.push({ file, line: lineOf(itemNode), field: `packages[${idx}]`, message: yamlMessage(e) });
      return;
    }
    const parsed = packageSchema.safeParse(plain);
    if (!parsed.success) {
      for (const iss of parsed.error.issues) {
        const path = issuePath(iss);
        let node: Node | undefined = itemNode;
        if (isMap(itemNode) && path.length) {
          node = (itemNode as unknown as { getIn(p: string[], keep: boolean): Node | undefined }).getIn(path, true) ?? itemNode;
        }
        issues.push({ file, line: lineOf(node), field: `packages[${idx}].${path.join('.') || '(item)'}`, message: issueMessage(iss) });
      }
      return;
    }
    packages.push(parsed.data);
    nodes.push(itemNode);
    indexes.push(idx);
  });
  issues.push(
    ...crossCheck(
      packages,
      file,
      (i) => lineOf(nodes[i]),
      ref,
      (i) => indexes[i] ?? i,
    ),
  );
  // reach: tunnel names a bastion of bastions.yaml next to packages.yaml (read only when one is used)
  if (packages.some((p) => p.reach !== undefined || p.bastion !== undefined || p.tunnel !== undefined)) {
    const dir = dirname(file);
    const b = loadBastions(dir);
    issues.push(...b.issues);
    const fieldLine = (i: number, field: string) => {
      const n = nodes[i];
      const at = n && isMap(n) ? (n as unknown as { get(k: string, keep: boolean): Node | undefined }).get(field, true) : undefined;
      return lineOf(at ?? n);
    };
    if (!b.issues.length) issues.push(...reachIssues(packages, b.exists ? b.bastions : null, file, fieldLine, (i) => indexes[i] ?? i, bastionsFile(dir)));
  }
  return { file, doc, packages, nodes, indexes, issues };
}

/** Rules over the whole inventory: unique id, address:port, serial, MAC; village exists. */
export function crossCheck(
  packages: Package[],
  file: string,
  lineOfIndex: (i: number) => number | undefined,
  ref?: VillageReference,
  /** the package's position in the YAML list when packages skips invalid items (field paths) */
  itemIndex: (i: number) => number = (i) => i,
): InputIssue[] {
  const issues: InputIssue[] = [];
  const seen = new Map<string, number>();
  const uniq = (key: string, i: number, field: string, label: string) => {
    const prev = seen.get(key);
    if (prev !== undefined)
      issues.push({
        file,
        line: lineOfIndex(i),
        field: `packages[${itemIndex(i)}].${field}`,
        message: `duplicate ${label} (also at line ${lineOfIndex(prev)})`,
      });
    else seen.set(key, i);
  };
  packages.forEach((p, i) => {
    uniq(`id:${p.id}`, i, 'id', `id "${p.id}"`);
    uniq(`addr:${p.address.toLowerCase()}:${p.port}`, i, 'address', `address ${p.address}:${p.port}`);
    if (p.hardware.serial) uniq(`serial:${p.hardware.serial}`, i, 'hardware.serial', `serial ${p.hardware.serial}`);
    if (p.hardware.mac) uniq(`mac:${p.hardware.mac}`, i, 'hardware.mac', `MAC ${p.hardware.mac}`);
    if (ref && !ref.byCode.has(p.village))
      issues.push({
        file,
        line: lineOfIndex(i),
        field: `packages[${itemIndex(i)}].village`,
        message: `unknown village code ${p.village} (see: jfleet villages)`,
      });
  });
  return issues;
}
