/**
 * Bounds for parsing a YAML input file, so no input makes parsing take minutes or exhaust the
 * stack: checks on the text before the parser sees it, and on the parsed tree after. Pure.
 *
 * The parser runs with uniqueKeys off (its duplicate check scans each map per key: quadratic in
 * a map of 100,000 keys); guardYamlTree reports duplicate keys instead, with a Set per map.
 */
import { distance } from 'fastest-levenshtein';
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type YAMLError } from 'yaml';
import type { InputIssue } from './errors.js';

export const MAX_YAML_LINES = 100_000;
export const MAX_YAML_DEPTH = 64;
export const MAX_MAP_KEYS = 1_000;
export const MAX_YAML_NODES = 500_000;
/** yaml's own alias expansion bound (toJS), against billion-laughs documents */
export const MAX_ALIAS_COUNT = 100;

// logLevel error: the parser's warnings (an unknown tag) are reported as located issues by the
// loaders, never printed by the library on stderr as a Node process warning
export const YAML_PARSE_OPTIONS = { prettyErrors: false, uniqueKeys: false, logLevel: 'error' } as const;

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line a parse error is about. yaml places a quote left open at the end of its scalar, which
 * runs to where the parser gave up (often the file's last line); the line to fix is the one the
 * quote opened on, so that is the line named.
 */
export function yamlErrorLine(err: YAMLError, text: string, lc: LineCounter): number {
  const at = err.pos[0];
  const quote = /^Missing closing (["'])quote/.exec(err.message)?.[1];
  const open = quote ? openingQuote(text, at, quote) : -1;
  return lc.linePos(open >= 0 ? open : at).line;
}

/** The quote a scalar left open opened with: the last one before `end` that does not stand inside it. */
function openingQuote(text: string, end: number, quote: string): number {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    if (quote === '"') {
      // inside a double-quoted scalar a quote is escaped by an odd run of backslashes
      let slashes = 0;
      for (let j = i - 1; j >= 0 && text[j] === '\\'; j--) slashes++;
      if (slashes % 2 === 0) return i;
    } else if (text[i - 1] === "'") {
      // inside a single-quoted scalar a quote is written twice
      i--;
    } else {
      return i;
    }
  }
  return -1;
}

/** A problem with the raw text (a stray byte-order mark, too many lines, nesting too deep), or undefined. */
export function yamlTextIssue(text: string, file: string): InputIssue | undefined {
  const bom = text.indexOf('\uFEFF', text.startsWith('\uFEFF') ? 1 : 0);
  if (bom >= 0)
    return {
      file,
      line: lineAt(text, bom),
      message: 'a byte-order mark (U+FEFF) after the start of the file: save it as UTF-8 with at most one BOM, at the very start',
    };
  let lines = 1;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10 && ++lines > MAX_YAML_LINES) return { file, line: lines, message: `more than ${MAX_YAML_LINES} lines` };
    // [ and { open flow collections (a quoted bracket counts too: a harmless over-estimate)
    if (c === 91 || c === 123) {
      if (++depth > MAX_YAML_DEPTH) return { file, line: lines, message: `nested deeper than ${MAX_YAML_DEPTH} levels` };
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/** Duplicate keys, maps over MAX_MAP_KEYS keys, trees over MAX_YAML_NODES nodes or MAX_YAML_DEPTH deep. */
export function yamlTreeIssues(doc: Document, file: string, lc: LineCounter): InputIssue[] {
  const issues: InputIssue[] = [];
  const lineOf = (n: unknown) => ((n as Node | null)?.range ? lc.linePos((n as Node).range![0]).line : undefined);
  let nodes = 0;
  const stack: Array<{ node: unknown; depth: number }> = [{ node: doc.contents, depth: 0 }];
  while (stack.length) {
    const { node, depth } = stack.pop()!;
    if (++nodes > MAX_YAML_NODES) return [{ file, message: `more than ${MAX_YAML_NODES} values` }];
    if (depth > MAX_YAML_DEPTH) return [{ file, line: lineOf(node), message: `nested deeper than ${MAX_YAML_DEPTH} levels` }];
    if (isMap(node)) {
      if (node.items.length > MAX_MAP_KEYS) return [{ file, line: lineOf(node), message: `a mapping of ${node.items.length} keys (at most ${MAX_MAP_KEYS})` }];
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : JSON.stringify(pair.key);
        if (seen.has(key))
          issues.push({
            file,
            line: lineOf(pair.key),
            message: `YAML: duplicate key "${key.replace(/[\u0000-\u001f\u007f-\u009f\uFEFF]/g, '?').slice(0, 60)}" (map keys must be unique)`,
          });
        seen.add(key);
        stack.push({ node: pair.key, depth: depth + 1 }, { node: pair.value, depth: depth + 1 });
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/** `unknown key "pakages" (did you mean "packages"?)` */
export function unknownKeyMessage(key: string, known: readonly string[]): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = distance(key.toLowerCase(), k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  const shown = key.replace(/[\u0000-\u001f\u007f-\u009f\uFEFF]/g, '?').slice(0, 60);
  return `unknown key "${shown}"${best !== undefined && bestD <= Math.max(2, Math.floor(best.length / 3)) ? ` (did you mean "${best}"?)` : ` (known: ${known.join(', ')})`}`;
}
