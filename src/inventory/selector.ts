/**
 * The --limit selector every fleet command shares. Pure: no I/O.
 *
 * Grammar (docs/selectors.md):
 *   selector := or
 *   or       := and ( "," and )*
 *   and      := not ( "&" not )*
 *   not      := "!" not | "(" or ")" | term
 *   term     := "@failed" | "all" | "tag:" GLOB | "district:" NAME | "village:" NAME | "id:" GLOB
 *             | CODE-PREFIX (35.09, 35.09.13, 35.09.13.2006) | GLOB (id) | NAME
 * A bare NAME is tried as a district name, then a village name, then a package id
 * (case-insensitive; spaces and punctuation ignored). When nothing matches exactly, a unique
 * close name (edit distance ≤ 2) is taken; otherwise the term is an error.
 */
import { distance } from 'fastest-levenshtein';
import { InputError } from '../errors.js';
import type { Package } from './schema.js';
import type { VillageReference } from './villages.js';

export interface SelectOptions {
  /** ids of the packages that failed in the last fleet command (for @failed) */
  failed?: string[];
}

type Node = { t: 'or'; items: Node[] } | { t: 'and'; items: Node[] } | { t: 'not'; item: Node } | { t: 'term'; text: string; pos: number };

const MAX_SELECTOR = 4096;
const CODE_PREFIX_RE = /^35(?:\.09(?:\.\d{2}(?:\.\d{4})?)?)?$/;
// Term characters: what ids, names, codes, tags and globs need; nothing a shell or terminal treats specially.
const TERM_CHAR_RE = /[A-Za-z0-9 ._:@*?=\-'\u00C0-\u024F]/;

function fail(selector: string, message: string, pos?: number): never {
  const where = pos !== undefined ? ` at column ${pos + 1}` : '';
  throw new InputError([{ field: '--limit', message: `${message}${where} in "${printable(selector)}"` }], {
    hint: 'see docs/selectors.md: district, 35.09.13, village, id glob, tag:NAME, @failed; "," or, "&" and, "!" not',
  });
}

function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 200);
}

/** Parses a selector into a tree. Throws InputError (field --limit) on a syntax error. */
export function parseSelector(selector: string): Node {
  if (selector.length > MAX_SELECTOR) fail(selector.slice(0, 60) + '…', `selector longer than ${MAX_SELECTOR} characters`);
  let i = 0;
  const s = selector;
  const ws = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const parseOr = (): Node => {
    const first = parseAnd();
    const items = [first];
    ws();
    while (s[i] === ',') {
      i++;
      items.push(parseAnd());
      ws();
    }
    return items.length === 1 ? first : { t: 'or', items };
  };
  const parseAnd = (): Node => {
    const first = parseNot();
    const items = [first];
    ws();
    while (s[i] === '&') {
      i++;
      items.push(parseNot());
      ws();
    }
    return items.length === 1 ? first : { t: 'and', items };
  };
  const parseNot = (): Node => {
    ws();
    if (s[i] === '!') {
      i++;
      return { t: 'not', item: parseNot() };
    }
    if (s[i] === '(') {
      const open = i;
      i++;
      const inner = parseOr();
      ws();
      if (s[i] !== ')') fail(selector, 'unclosed "("', open);
      i++;
      return inner;
    }
    const start = i;
    while (i < s.length && TERM_CHAR_RE.test(s.charAt(i))) i++;
    const text = s.slice(start, i).trim();
    if (!text) {
      if (i >= s.length) fail(selector, 'expected a term (district, village, id, tag:NAME, @failed) but the selector ended', i);
      if (',&)'.includes(s.charAt(i))) fail(selector, `expected a term before "${s[i]}"`, i);
      fail(selector, `character "${printable(s.charAt(i))}" is not allowed`, i);
    }
    return { t: 'term', text, pos: start };
  };
  const tree = parseOr();
  ws();
  if (i < s.length) {
    if (s[i] === ')') fail(selector, 'unmatched ")"', i);
    fail(selector, `character "${printable(s.charAt(i))}" is not allowed`, i);
  }
  return tree;
}

/** Lower-case with spaces and punctuation dropped: "Kasiyan Timur" ≈ "kasiyantimur". */
export function normalizeName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** Longest glob a term may hold (ids, tags and names are far shorter). */
export const MAX_GLOB = 256;

/**
 * Case-insensitive glob match: `*` any run, `?` one character, anything else literal.
 * The two-pointer wildcard walk with one remembered star: O(glob × text) at worst, never the
 * exponential backtracking of a regular expression with many `.*`.
 */
export function globMatch(glob: string, text: string): boolean {
  const g = glob.toLowerCase();
  const t = text.toLowerCase();
  let gi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (gi < g.length && (g[gi] === '?' || (g[gi] !== '*' && g[gi] === t[ti]))) {
      gi++;
      ti++;
    } else if (gi < g.length && g[gi] === '*') {
      star = gi++;
      mark = ti;
    } else if (star >= 0) {
      gi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (gi < g.length && g[gi] === '*') gi++;
  return gi === g.length;
}

const isGlob = (s: string) => /[*?]/.test(s);

type Matcher = (p: Package) => boolean;

interface NameIndex {
  districts: Map<string, string[]>; // normalized name → district codes
  villages: Map<string, string[]>; // normalized name → village codes
}

function buildIndex(ref: VillageReference): NameIndex {
  const districts = new Map<string, string[]>();
  const villages = new Map<string, string[]>();
  for (const d of ref.districts) push(districts, normalizeName(d.name), d.code);
  for (const v of ref.villages) push(villages, normalizeName(v.name), v.code);
  return { districts, villages };
}

function push(m: Map<string, string[]>, k: string, v: string) {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}

/** The unique closest key within maxDist, or undefined when none or a tie. */
function closest(keys: Iterable<string>, wanted: string, maxDist: number): { key: string; dist: number } | undefined {
  let best: { key: string; dist: number } | undefined;
  let tie = false;
  for (const k of keys) {
    const d = distance(k, wanted);
    if (d > maxDist) continue;
    if (!best || d < best.dist) {
      best = { key: k, dist: d };
      tie = false;
    } else if (d === best.dist) tie = true;
  }
  return tie ? undefined : best;
}

function typoBudget(n: string): number {
  return n.length <= 3 ? 0 : n.length <= 6 ? 1 : 2;
}

function boundedGlob(glob: string, selector: string, pos: number): string {
  if (glob.length > MAX_GLOB) fail(selector, `glob longer than ${MAX_GLOB} characters`, pos);
  return glob;
}

function compileTerm(
  term: { text: string; pos: number },
  selector: string,
  packages: Package[],
  ref: VillageReference,
  idx: NameIndex,
  opts: SelectOptions,
): Matcher {
  const raw = term.text;
  const lower = raw.toLowerCase();
  const colon = lower.indexOf(':');
  const kind = colon > 0 ? lower.slice(0, colon) : '';
  const arg = colon > 0 ? raw.slice(colon + 1).trim() : raw;

  if (lower === '@failed') {
    const failed = new Set(opts.failed ?? []);
    return (p) => failed.has(p.id);
  }
  if (raw.startsWith('@')) fail(selector, `unknown selector "${raw}" (did you mean @failed?)`, term.pos);
  if (lower === 'all' || lower === '*') return () => true;

  if (kind === 'tag') {
    if (!arg) fail(selector, 'tag: needs a tag name', term.pos);
    const glob = boundedGlob(arg, selector, term.pos);
    return (p) => p.tags.some((t) => globMatch(glob, t));
  }
  if (kind === 'id') {
    if (!arg) fail(selector, 'id: needs a package id or glob', term.pos);
    const glob = boundedGlob(arg, selector, term.pos);
    return (p) => globMatch(glob, p.id);
  }
  if (kind === 'district')
    return (
      districtMatcher(arg, true) ??
      fail(
        selector,
        unknownMessage(
          'district',
          arg,
          ref.districts.map((d) => d.name),
        ),
        term.pos,
      )
    );
  if (kind === 'village')
    return (
      villageMatcher(arg, true) ??
      fail(
        selector,
        unknownMessage(
          'village',
          arg,
          ref.villages.map((v) => v.name),
        ),
        term.pos,
      )
    );
  if (kind) fail(selector, `unknown selector kind "${kind}:" (use tag:, district:, village: or id:)`, term.pos);

  if (/^[0-9.]+$/.test(raw)) {
    if (!CODE_PREFIX_RE.test(raw)) fail(selector, `"${raw}" is not a Jember code prefix (35.09, 35.09.13 or 35.09.13.2006)`, term.pos);
    if (raw.length === 13 && !ref.byCode.has(raw)) fail(selector, `unknown village code ${raw} (see: jfleet villages)`, term.pos);
    if (raw.length === 8 && !ref.districtByCode.has(raw)) fail(selector, `unknown district code ${raw} (see: jfleet villages)`, term.pos);
    return (p) => p.village === raw || p.village.startsWith(raw + '.');
  }
  if (isGlob(raw)) {
    const glob = boundedGlob(raw, selector, term.pos);
    return (p) => globMatch(glob, p.id);
  }

  // A bare name: district, then village, then package id; then the unique close name.
  const exact = districtMatcher(raw, false) ?? villageMatcher(raw, false);
  if (exact) return exact;
  if (packages.some((p) => p.id === lower)) return (p) => p.id === lower;
  const fuzzy = districtMatcher(raw, true) ?? villageMatcher(raw, true);
  if (fuzzy) return fuzzy;
  const ids = packages.map((p) => p.id);
  const near = closest(new Set([...idx.districts.keys(), ...idx.villages.keys(), ...ids]), normalizeName(raw), 3);
  const suggestion = near ? nameFor(near.key) : undefined;
  fail(selector, `"${raw}" matches no district, village or package id${suggestion ? ` (did you mean ${suggestion}?)` : ''}`, term.pos);

  function nameFor(key: string): string {
    const d = idx.districts.get(key)?.[0];
    if (d) return ref.districtByCode.get(d)!.name;
    const v = idx.villages.get(key)?.[0];
    if (v) return ref.byCode.get(v)!.name;
    return key;
  }

  function districtMatcher(name: string, fuzzyOk: boolean): Matcher | undefined {
    const n = normalizeName(name);
    let codes = idx.districts.get(n);
    if (!codes && fuzzyOk) {
      const c = closest(idx.districts.keys(), n, typoBudget(n));
      if (c) codes = idx.districts.get(c.key);
    }
    if (!codes) return undefined;
    const set = codes;
    return (p) => set.some((c) => p.village.startsWith(c + '.'));
  }

  function villageMatcher(name: string, fuzzyOk: boolean): Matcher | undefined {
    const n = normalizeName(name);
    let codes = idx.villages.get(n);
    if (!codes && fuzzyOk) {
      const c = closest(idx.villages.keys(), n, typoBudget(n));
      if (c) codes = idx.villages.get(c.key);
    }
    if (!codes) return undefined;
    const set = new Set(codes);
    return (p) => set.has(p.village);
  }
}

function unknownMessage(what: string, name: string, names: string[]): string {
  const n = normalizeName(name);
  const c = closest(names.map(normalizeName), n, 3);
  const hint = c ? names.find((x) => normalizeName(x) === c.key) : undefined;
  return `unknown ${what} "${name}"${hint ? ` (did you mean ${hint}?)` : ''}`;
}

/**
 * The packages a selector picks, in inventory order. An empty or missing selector selects all.
 * Throws InputError (field --limit) on a syntax error or a term that names nothing known.
 */
export function selectPackages(packages: Package[], ref: VillageReference, selector: string | undefined, opts: SelectOptions = {}): Package[] {
  if (selector === undefined || selector.trim() === '') return packages.slice();
  const tree = parseSelector(selector);
  const idx = buildIndex(ref);
  const compile = (n: Node): Matcher => {
    switch (n.t) {
      case 'or': {
        const ms = n.items.map(compile);
        return (p) => ms.some((m) => m(p));
      }
      case 'and': {
        const ms = n.items.map(compile);
        return (p) => ms.every((m) => m(p));
      }
      case 'not': {
        const m = compile(n.item);
        return (p) => !m(p);
      }
      case 'term':
        return compileTerm(n, selector, packages, ref, idx, opts);
    }
  };
  const match = compile(tree);
  return packages.filter(match);
}
