/**
 * Text for people comes from the catalog (STYLE.md 17): no human sentence is left as a string
 * literal in the command definitions, the handlers, the prompts or the program. Found on the
 * source with the TypeScript compiler (every string and template literal, not a list kept by
 * hand); a literal counts as prose when it holds two words in a row, or one word right beside a
 * value (`wrote ${file}`, `${n} files`, 'wrote ' + file). What machines read is
 * left alone: module names, catalog keys (t('…')), command and flag syntax, --json documents,
 * comparisons, and `new Error` (an internal bug's message, asked to be reported in English).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const CLI = join(ROOT, 'src', 'cli');
const inDir = (d: string) =>
  readdirSync(join(CLI, d))
    .filter((n) => n.endsWith('.ts'))
    .map((n) => join(CLI, d, n));
const WORDED = [...inDir('commands'), ...inDir('handlers'), join(CLI, 'program.ts'), join(CLI, 'prompts.ts'), join(CLI, 'shared.ts')];

/** two words in a row: "no village", "cannot read", "wrote 3 files" (not '--json', 'utf8', 'a|b') */
const PROSE = /[A-Za-z]{2,}[,:;]? +[A-Za-z(]{2,}|[A-Za-z]{3,} +\d|\d+ +[A-Za-z]{3,}/;

/**
 * one word beside a value, in a template: `wrote ${file}`, `${n} files`, `exit: ${code}` (a word is
 * two letters or more standing on its own; not `${dir}/packages.yaml`, `--limit ${x}`, `key=${v}`)
 */
const WORD_BEFORE = /(?:^|[\s([])[A-Za-z]{2,}:? +$/;
const WORD_AFTER = /^:? *[A-Za-z]{2,}(?=$|[\s,.;:!?)\]])/;
/** the program's name as a line's prefix ("jfleet: " + a catalog message), the same in every language */
const PROGRAM_PREFIX = /^jfleet: $/;

/** Whether a template holds a word right beside one of its values. */
function wordBesideValue(n: ts.TemplateExpression): boolean {
  const parts = [n.head.text, ...n.templateSpans.map((s) => s.literal.text)];
  return parts.some((p, i) => (i < parts.length - 1 && WORD_BEFORE.test(p) && !(i === 0 && PROGRAM_PREFIX.test(p))) || (i > 0 && WORD_AFTER.test(p)));
}

/** A string added to a value: 'wrote ' + file, count + ' files'. */
function wordAddedToValue(n: ts.Node): boolean {
  const p = n.parent;
  if (!ts.isStringLiteral(n) || !p || !ts.isBinaryExpression(p) || p.operatorToken.kind !== ts.SyntaxKind.PlusToken) return false;
  return (p.left === n && WORD_BEFORE.test(n.text)) || (p.right === n && WORD_AFTER.test(n.text));
}

/** the Nagios plugin contract's status keyword ("JFLEET UNKNOWN - …"): fixed in every language */
const NAGIOS = /^JFLEET (OK|WARNING|CRITICAL|UNKNOWN) - /;

/** a flag with its placeholder, as a person types it: "--expect SHA256:…" */
const FLAG = /^--[a-z][a-z-]*( [A-Z0-9_:.…]+)?$/;

/** calls whose string arguments machines read (syntax, documents), by callee name */
const MACHINE_CALLS = new Set([
  't',
  'command',
  'alias',
  'printJson',
  'stringify',
  'import',
  'require',
  'Error',
  'RegExp',
  'helpCommand',
  'helpOption',
  'version',
  'exec',
]);
/** calls whose FIRST argument is syntax (flags, argument names); the rest are words */
const SYNTAX_FIRST = new Set(['option', 'requiredOption', 'argument', 'Option', 'Argument', 'addOption']);

function calleeName(e: ts.Expression): string | undefined {
  if (ts.isIdentifier(e)) return e.text;
  if (ts.isPropertyAccessExpression(e)) return e.name.text;
  return undefined;
}

function literalText(n: ts.Node): string | undefined {
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) return n.text;
  if (ts.isTemplateExpression(n)) return [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join(' ');
  return undefined;
}

/** Whether a literal is where a machine, not a person, reads it. */
function machineRead(n: ts.Node): boolean {
  let child: ts.Node = n;
  for (let p = n.parent; p; child = p, p = p.parent) {
    if (ts.isImportDeclaration(p) || ts.isExportDeclaration(p) || ts.isLiteralTypeNode(p)) return true;
    if (ts.isCaseClause(p) && p.expression === child) return true;
    if (ts.isBinaryExpression(p) && [ts.SyntaxKind.EqualsEqualsEqualsToken, ts.SyntaxKind.ExclamationEqualsEqualsToken].includes(p.operatorToken.kind))
      return true;
    if ((ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p)) && p.name === child) return true;
    if (ts.isCallExpression(p) || ts.isNewExpression(p)) {
      const name = calleeName(p.expression);
      if (p.expression.kind === ts.SyntaxKind.ImportKeyword) return true;
      if (name && MACHINE_CALLS.has(name)) return true;
      if (name && SYNTAX_FIRST.has(name) && p.arguments?.[0] === child) return true;
      if (p.arguments?.includes(child as ts.Expression)) return false; // a word passed to something else: judge it
    }
  }
  return false;
}

function strayStrings(file: string, text = readFileSync(file, 'utf8')): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (n: ts.Node) => {
    const s = literalText(n);
    const worded = s !== undefined && (PROSE.test(s) || (ts.isTemplateExpression(n) && wordBesideValue(n)) || wordAddedToValue(n));
    if (s !== undefined && worded && !NAGIOS.test(s) && !FLAG.test(s) && !machineRead(n)) {
      const { line } = sf.getLineAndCharacterOfPosition(n.getStart());
      found.push(`${relative(ROOT, file)}:${line + 1}: ${JSON.stringify(s.length > 70 ? `${s.slice(0, 70)}…` : s)}`);
    }
    if (!ts.isTemplateExpression(n)) ts.forEachChild(n, visit);
    else for (const sp of n.templateSpans) visit(sp.expression);
  };
  visit(sf);
  return found;
}

describe('architecture: text for people comes from the catalog', () => {
  it('finds a stray sentence, and leaves syntax, keys and machine output alone (the detector itself)', () => {
    const src = `
      import x from 'node:fs';
      program.command('up [count]').description(t('help.lab.up.description')).option('--for <duration>', t('help.x'));
      println(ctx, 'wrote the report');
      throw new UserError(\`no package "\${id}" here\`);
      printJson(ctx, { state: 'some device failed' });
      if (s === 'two words') {}
      switch (x) { case 'a b': return \`rolled back to \${v}\`; }
      throw new Error('a bug, said in English');
      println(ctx, \`wrote \${f}\`);
      println(ctx, \`\${n} files\`);
      println(ctx, 'wrote ' + f);
      println(ctx, \`jfleet: \${t('lab.installingSshd')}\`);
      println(ctx, \`\${dir}/packages.yaml\`, \`--limit \${x}\`, \`key=\${v}\`, \`(\${n})\`);
    `;
    expect(strayStrings(join(CLI, 'x.ts'), src).map((l) => l.replace(/^[^:]*:/, ''))).toEqual([
      '4: "wrote the report"',
      '5: "no package \\" \\" here"',
      '8: "rolled back to  "',
      '10: "wrote  "',
      '11: "  files"',
      '12: "wrote "',
    ]);
  });

  it('no human sentence is a string literal in src/cli/commands, src/cli/handlers, program, prompts or shared', () => {
    const stray = WORDED.flatMap((f) => strayStrings(f));
    expect(
      stray,
      `move these into src/i18n/locales/en.ts and id.ts and say them with ctx.t('group.key', { values }) (ARCHITECTURE.md, "Text for people"):\n${stray.join('\n')}`,
    ).toEqual([]);
  });
});
