/**
 * exec placeholders against bash's own re-evaluation of a value: arithmetic, subscripts, names,
 * and scripts for an inner shell. Every case is either refused (InputError naming the package and
 * the field) or really run under bash, and the canary file must never appear.
 */
import { describe, expect, it, beforeEach } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCommand, expandCommand } from '../../src/transport/recap.js';
import { InputError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'jfleet-ph-'));
const CANARY = join(dir, 'CANARY');
const bash = (line: string) => spawnSync('bash', ['-c', line], { cwd: dir, encoding: 'utf8', timeout: 10_000 });
const pkg = (vars: Record<string, string>) => ({ id: 'kiosk-a', village: '35.09.01.2001', address: '127.0.0.1', vars });

function refusal(args: string[], vars: Record<string, string>): InputError | null {
  try {
    buildCommand(args, pkg(vars));
    return null;
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
}

/** Refused naming field, or run under bash without creating the canary. Returns what happened. */
function refusedOrHarmless(args: string[], vars: Record<string, string>): 'refused' | 'ran' {
  const e = refusal(args, vars);
  if (e) {
    expect(e.issues.length).toBeGreaterThan(0);
    for (const i of e.issues) expect(i.field).toMatch(/^kiosk-a vars\.[a-z]+$/);
    expect(e.message).toMatch(/^kiosk-a vars\.[a-z]+: refused for \{var\.[a-z]+\}: /);
    return 'refused';
  }
  const line = buildCommand(args, pkg(vars));
  bash(line);
  expect(existsSync(CANARY), `ran ${line}`).toBe(false);
  return 'ran';
}

const FORMS = [
  'echo $(( {var.n} + 1 ))',
  '[[ {var.n} -gt 1 ]]',
  '(( {var.n} > 1 ))',
  'v=abcdef; echo ${v:{var.n}}',
  'a=(1 2); echo ${a[{var.n}]}',
  'let x={var.n}',
  'declare -i x={var.n}',
  'x=$(( {var.n} ))',
  '[ {var.n} -gt 1 ]',
  // a name, and an expanding builtin
  'test -v {var.n}',
  'printf -v {var.n} %s x',
  'v={var.n}; echo ${!v}',
  'ulimit -n {var.n}',
  'compgen -W {var.n}',
  // a script for an inner shell
  "bash -c 'echo {var.n}'",
  'bash -c "echo {var.n}"',
  'bash <<EOF\necho {var.n}\nEOF',
];

const HOSTILE = ['x[$(touch CANARY)]', 'x[`touch CANARY`]', '$(touch CANARY)', '`touch CANARY`', 'x[<(touch CANARY)]', '<(touch CANARY)', '>(touch CANARY)'];

// pass the character rule, so in some forms they run: bash must take them as text there
const TEXT = [
  'a; touch CANARY',
  "'; touch CANARY; '",
  '"; touch CANARY; "',
  'a|touch CANARY',
  'a&touch CANARY',
  '(touch CANARY)',
  '>CANARY',
  'a=(>CANARY)',
  'HOME',
  'x y',
  '1 + 1',
  '-1',
];

beforeEach(() => rmSync(CANARY, { force: true }));

describe('exec placeholders in bash arithmetic, names and inner scripts', () => {
  it('the canary works: quoting alone (the value in a quoted variable) lets most of the 9 forms run it', () => {
    const ran = FORMS.slice(0, 9).filter((form) => {
      rmSync(CANARY, { force: true });
      bash(`N='x[$(touch CANARY)]'; ${form.replace('{var.n}', '"${N}"')}`);
      return existsSync(CANARY);
    });
    // (bash 5.2: all but `[ -gt ]`, which reads a plain number; the finding saw 7 of 9)
    expect(ran.length).toBeGreaterThanOrEqual(7);
    expect(ran).toContain('echo $(( {var.n} + 1 ))');
  });
  for (const form of FORMS) {
    it(`refuses every hostile value in: ${form}`, () => {
      for (const v of HOSTILE) {
        const e = refusal([form], { n: v });
        expect(e, `${form} with ${v}`).not.toBeNull();
        expect(e!.issues).toEqual([
          { field: 'kiosk-a vars.n', message: expect.stringMatching(/^refused for \{var\.n\}: the value holds "(\[|\$|`|<\(|>\()"/) },
        ]);
      }
      expect(existsSync(CANARY)).toBe(false);
    });
    it(`runs shell-special text as text, or refuses it: ${form}`, () => {
      const outcomes = TEXT.map((v) => refusedOrHarmless([form], { n: v }));
      expect(outcomes).toContain('ran');
      // spliced into a longer text (a ${...}, an inner script), only plain words pass
      if (/[:[]\{var|'.*\{var|".*\{var|<<EOF/.test(form)) expect(outcomes[TEXT.indexOf('a; touch CANARY')]).toBe('refused');
      else expect(outcomes[TEXT.indexOf('a; touch CANARY')]).toBe('ran');
    });
  }
  it('arithmetic still works with numbers', () => {
    expect(
      bash(buildCommand(['echo $(( {var.n} + 1 )); [[ {var.n} -gt 1 ]] && echo gt; let x={var.n}*2; echo $x ${a:-{var.n}}'], pkg({ n: '41' }))).stdout,
    ).toBe('42\ngt\n82 41\n');
  });
  it('indirection: a value naming another placeholder reaches only that (checked) value', () => {
    // n names the variable that holds m: evaluating n evaluates m's content
    expect(bash(buildCommand(['echo $(( {var.n} + 1 )) {var.m}'], pkg({ n: 'JFLEET_P1', m: '41' }))).stdout).toBe('42 41\n');
    const e = refusal(['echo $(( {var.n} + 1 )) {var.m}'], { n: 'JFLEET_P1', m: 'x[$(touch CANARY)]' });
    expect(e?.message).toMatch(/^kiosk-a vars\.m: refused for \{var\.m\}/);
    // the refused value is refused wherever it stands, even where it alone would be harmless
    expect(refusal(['echo {var.m}; echo $(( {var.n} ))'], { n: 'JFLEET_P0', m: 'x[`touch CANARY`]' })?.issues[0]?.field).toBe('kiosk-a vars.m');
    expect(existsSync(CANARY)).toBe(false);
  });
  it('argv form: an argument that is a script for an inner shell gets only a plain word', () => {
    for (const v of ['$(touch CANARY)', 'a; touch CANARY', '`touch CANARY`', "a'b"]) {
      expect(refusedOrHarmless(['bash', '-c', 'echo {var.n}'], { n: v })).toBe('refused');
    }
    expect(bash(buildCommand(['bash', '-c', 'echo {var.n}'], pkg({ n: 'http://10.0.0.1:8080/api' }))).stdout).toBe('http://10.0.0.1:8080/api\n');
    // the way to hand any text to an inner shell: as its own argument, read as "$1"
    for (const v of TEXT) {
      const r = bash(buildCommand(['bash', '-c', 'printf "[%s]" "$1"', 'sh', '{var.n}'], pkg({ n: v })));
      expect(r.stdout).toBe(`[${v}]`);
      expect(existsSync(CANARY)).toBe(false);
    }
  });
  it('a refusal names every package field at fault and nothing else', () => {
    const r = expandCommand(['echo {var.a} {var.b} {var.a} {id}'], pkg({ a: '$(x)', b: 'fine' }));
    expect(r.issues.map((i) => i.field)).toEqual(['kiosk-a vars.a']);
    const s = expandCommand(['echo "Desa {var.a}"'], pkg({ a: 'Tegal Rejo' }));
    expect(s.issues[0]).toEqual({
      field: 'kiosk-a vars.a',
      message: expect.stringMatching(/^refused for \{var\.a\}: it stands in a longer text .* the value holds " "/),
    });
  });
});

describe('ordinary values keep working', () => {
  const NAME = "Tegal'rejo Kidul";
  it('a village name with an apostrophe and spaces expands to exactly one word, wherever it stands alone', () => {
    const r = bash(
      buildCommand([`printf '[%s]' {var.name} "{var.name}" '{var.name}' --name={var.name}; n={var.name}; printf '<%s>' "$n"`], pkg({ name: NAME })),
    );
    expect(r.stdout).toBe(`[${NAME}][${NAME}][${NAME}][--name=${NAME}]<${NAME}>`);
    expect(bash(buildCommand(['printf', '[%s]', '{var.name}', '--name={var.name}'], pkg({ name: NAME }))).stdout).toBe(`[${NAME}][--name=${NAME}]`);
  });
  it('addresses, URLs and numbers, also inside longer text and heredocs', () => {
    const vars = { url: 'http://kiosk.desa.id:8080/api/v1?x=1&y=2#top', ip6: 'fd00::1%eth0', n: '-12', ver: '1.4.0+lab' };
    expect(bash(buildCommand(['printf "[%s]" {var.url} {var.ip6} {address} {village} {id}; echo $(( {var.n} * 2 ))'], pkg(vars))).stdout).toBe(
      `[${vars.url}][${vars.ip6}][127.0.0.1][35.09.01.2001][kiosk-a]-24\n`,
    );
    expect(bash(buildCommand(["bash -c 'echo {var.ver} {address}' && cat <<EOF\nv={var.ver} id={id}\nEOF\ncat <<'E'\n{var.ver}\nE"], pkg(vars))).stdout).toBe(
      '1.4.0+lab 127.0.0.1\nv=1.4.0+lab id=kiosk-a\n1.4.0+lab\n',
    );
  });
  it('placeholders in a comment are left alone, and its quotes do not count', () => {
    expect(bash(buildCommand(["echo {var.n} # it's {var.m}\necho '{var.n}'"], pkg({ n: 'a b', m: '$(x)' }))).stdout).toBe('a b\na b\n');
  });
});
