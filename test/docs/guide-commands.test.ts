/**
 * The Indonesian technician's guide (docs/id/) keeps its commands real: every `jfleet ...` line
 * in its code blocks names commands that exist and options those commands take, judged against
 * the program's own command tree (not a list kept here). And the README's two quick starts, in
 * English and Indonesian, give the same commands.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { ROOT, tempHome } from '../helpers/cli.js';
import { testContext } from '../helpers/context.js';

const GUIDE = join(ROOT, 'docs', 'id');

/**
 * The command lines of a Markdown file's fenced code blocks, continuations joined: every line of
 * an sh block, and the "$ " lines of a console block (the rest is output).
 */
function commandLines(md: string): string[] {
  const out: string[] = [];
  for (const block of md.matchAll(/^```(sh|console)\n([\s\S]*?)^```/gm)) {
    const lines = (block[2] ?? '').replace(/\\\n\s*/g, ' ').split('\n');
    if (block[1] === 'sh') out.push(...lines.filter((l) => l.trim() && !l.trim().startsWith('#')));
    else out.push(...lines.filter((l) => l.startsWith('$ ')).map((l) => l.slice(2)));
  }
  return out;
}

/** Shell words of one command line, without a trailing comment (enough for the guide's lines). */
function words(line: string): string[] {
  const out: string[] = [];
  for (const m of line.matchAll(/"([^"]*)"|'([^']*)'|(#.*$)|(\S+)/g)) {
    if (m[3] !== undefined) break;
    out.push(m[1] ?? m[2] ?? m[4] ?? '');
  }
  return out;
}

/** The jfleet calls of a command line (after sudo and VAR=value prefixes, and after && ; |). */
function invocations(line: string): string[][] {
  const calls: string[][] = [];
  let cur: string[] | null = null;
  let atStart = true;
  for (const word of words(line)) {
    if (word === '&&' || word === '|' || word === ';' || word === '||') {
      if (cur) calls.push(cur);
      cur = null;
      atStart = true;
      continue;
    }
    if (cur) cur.push(word);
    else if (atStart && word === 'jfleet') cur = [];
    else if (atStart && (word === 'sudo' || /^[A-Z_]+=/.test(word))) continue;
    else atStart = false;
  }
  if (cur) calls.push(cur);
  return calls;
}

function optionNames(cmd: Command): Set<string> {
  const names = new Set<string>();
  for (const o of cmd.options) {
    if (o.long) names.add(o.long);
    if (o.short) names.add(o.short);
  }
  names.add('-h').add('--help');
  return names;
}

/** Whether `args` is a call the program would accept: known commands, known options. Returns the problem, or null. */
function problem(program: Command, args: string[]): string | null {
  const globals = optionNames(program);
  const takesValue = new Set(program.options.filter((o) => o.required || o.optional).flatMap((o) => [o.long, o.short].filter(Boolean) as string[]));
  let cmd = program;
  let i = 0;
  // global options before the command
  while (i < args.length && args[i]?.startsWith('-')) {
    const a = args[i] ?? '';
    if (!globals.has(a)) return `unknown global option ${a}`;
    i += takesValue.has(a) ? 2 : 1;
  }
  for (; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a.startsWith('-')) break;
    const sub = cmd.commands.find((c) => c.name() === a || c.aliases().includes(a));
    if (!sub) break;
    cmd = sub;
  }
  if (cmd === program) return `no command in "jfleet ${args.join(' ')}"`;
  const known = new Set([...optionNames(cmd), ...globals]);
  for (const a of args.slice(i)) {
    if (a === '--') break;
    if (/^--?[A-Za-z]/.test(a) && !known.has(a.split('=')[0] ?? a)) return `"jfleet ${cmd.name()}" has no option ${a}`;
  }
  return null;
}

const guide = readdirSync(GUIDE)
  .filter((n) => n.endsWith('.md'))
  .map((n) => ({ file: `docs/id/${n}`, text: readFileSync(join(GUIDE, n), 'utf8') }));

describe("the Indonesian technician's guide", () => {
  const program = buildProgram(testContext(tempHome()));

  it('covers the daily work, one page each, all linked from its index', () => {
    const index = guide.find((g) => g.file === 'docs/id/README.md')?.text ?? '';
    for (const page of guide.filter((g) => g.file !== 'docs/id/README.md')) expect(index, page.file).toContain(`(${page.file.slice('docs/id/'.length)})`);
    const all = guide.map((g) => g.text).join('\n');
    for (const cmd of ['jfleet register', 'jfleet provision --check', 'jfleet status --map', 'jfleet silence', 'jfleet rollout --release'])
      expect(all, cmd).toContain(cmd);
  });

  it('names only commands and options that exist', () => {
    const calls = guide.flatMap((g) => commandLines(g.text).flatMap((l) => invocations(l).map((args) => ({ file: g.file, line: l.trim(), args }))));
    expect(calls.length).toBeGreaterThan(40);
    const wrong = calls.flatMap((c) => {
      const p = problem(program, c.args);
      return p ? [`${c.file}: ${c.line}: ${p}`] : [];
    });
    expect(wrong).toEqual([]);
  });

  it('the checker itself refuses a command or an option that does not exist', () => {
    expect(problem(program, ['silence', 'kiosk-1', '--for', '2d', '--reason', 'x'])).toBeNull();
    expect(problem(program, ['--inventory', 'latihan', 'register'])).toBeNull();
    expect(problem(program, ['silence', 'kiosk-1', '--untill', '2d'])).toMatch(/no option --untill/);
    expect(problem(program, ['sweeep'])).toMatch(/no command/);
    expect(problem(program, ['--inventori', 'x', 'status'])).toMatch(/unknown global option/);
    expect(invocations('JFLEET_BOOTSTRAP_PASSWORD=... jfleet provision --limit desa-1 --bootstrap --yes   # komentar')).toEqual([
      ['provision', '--limit', 'desa-1', '--bootstrap', '--yes'],
    ]);
    expect(invocations('mkdir -p k && sudo jfleet lab up --devices 6')).toEqual([['lab', 'up', '--devices', '6']]);
    expect(invocations('echo jfleet sweep')).toEqual([]);
  });
});

describe('README quick start', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = (title: string) => {
    const start = readme.indexOf(`\n## ${title}`);
    const end = readme.indexOf('\n## ', start + 1);
    return start < 0 ? '' : readme.slice(start, end < 0 ? undefined : end);
  };

  it('gives the same commands in English and in Indonesian', () => {
    const en = commandLines(section('Quick start'));
    const id = commandLines(section('Mulai cepat'));
    expect(en.length).toBeGreaterThan(0);
    expect(id).toEqual(en);
  });
});
