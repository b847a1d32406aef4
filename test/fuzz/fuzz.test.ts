/**
 * Property-based fuzzing of every input surface (fast-check), bounded for CI. For each case the
 * contract is: exit 0 or a documented code, never 70, never a stack trace; a refused command
 * leaves inputs and state byte-identical; every case ends in bounded time. The seed is printed
 * (and JFLEET_FUZZ_SEED replays it); JFLEET_FUZZ_RUNS scales every surface.
 */
import fc from 'fast-check';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/errors.js';
import { parseHealthSettings } from '../../src/health/settings.js';
import { loadRecipe, DEFAULT_RECIPE_DIR } from '../../src/provision/recipe-load.js';
import { parseMaxFail, parseWaves } from '../../src/rollout/waves.js';
import { buildCommand } from '../../src/transport/recap.js';
import { DOCUMENTED_EXIT_CODES, runInProcess, snapshot, tempDir } from '../helpers/in-process.js';
import { central, sampleReport, TOKEN } from '../report/helpers.js';

const SEED = Number(process.env.JFLEET_FUZZ_SEED ?? Date.now() % 2 ** 31);
const SCALE = Number(process.env.JFLEET_FUZZ_RUNS ?? 1);
const runs = (n: number) => Math.max(1, Math.round(n * SCALE));
const counts: Record<string, number> = {};
const params = (surface: string, n: number) => {
  counts[surface] = (counts[surface] ?? 0) + runs(n);
  return { seed: SEED, numRuns: runs(n), endOnFailure: true };
};

const EXAMPLE = join(import.meta.dirname, '../../inventories/example/packages.yaml');
const EXAMPLE_CSV = join(import.meta.dirname, '../../inventories/example/packages.csv');
const CASE_MS = 10_000;

beforeAll(() => {
  // printed so a failure in CI can be replayed: JFLEET_FUZZ_SEED=<seed> npx vitest run test/fuzz
  console.log(`fuzz seed ${SEED} (replay with JFLEET_FUZZ_SEED=${SEED})`);
});
afterAll(() => {
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  console.log(
    `fuzz cases: ${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; total ${total} (seed ${SEED})`,
  );
});

/** Hostile strings: control characters, shell metacharacters, YAML syntax, long and unicode. */
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '-x',
    '--help',
    '-V',
    '$(id)',
    '`id`',
    'x[$(id)]',
    "a'b",
    'a"b',
    '\u001b]52;c;aGk=\u0007',
    '\r\n',
    '\u0000',
    '*',
    '**',
    '!',
    '@failed',
    '&',
    ',',
    '..',
    '../../etc/passwd',
    '/dev/zero',
    '1e300',
    '-1',
    '2147483648',
    'NaN',
    'null',
    '~',
    '{}',
    '[]',
    '&a',
    '*a',
    '!!js/function',
    '\uFEFF',
    'é',
    '\u202e',
  ),
  fc.string({ minLength: 200, maxLength: 400 }),
);

function home(): { home: string; inv: string } {
  const h = tempDir();
  const inv = join(h, 'inv');
  mkdirSync(inv);
  return { home: h, inv };
}

async function contract(argv: string[], opts: { home: string; cwd?: string }, watch: string[]) {
  const before = watch.map((d) => snapshot(d));
  const t0 = Date.now();
  const r = await runInProcess(argv, { home: opts.home, cwd: opts.cwd });
  const ms = Date.now() - t0;
  const where = `jfleet ${JSON.stringify(argv)} -> ${r.exitCode}: ${r.stderr.slice(0, 300)}`;
  expect(DOCUMENTED_EXIT_CODES, where).toContain(r.exitCode);
  expect(r.stderr, where).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  expect(ms, where).toBeLessThan(CASE_MS);
  if (r.exitCode === 2) {
    watch.forEach((d, i) => {
      expect(snapshot(d), `${where} changed ${d}`).toEqual(before[i]);
    });
  }
  return r;
}

describe('fuzz: inventory YAML', () => {
  const good = readFileSync(EXAMPLE, 'utf8');
  const doc = parse(good) as { packages: Record<string, unknown>[] };
  const fields = ['id', 'village', 'address', 'port', 'user', 'tags', 'hardware', 'jump', 'vars', 'hostKey', 'registeredAt', 'custodian'];

  it('a package field replaced by a hostile value: located error or ok, never 70, file unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.nat(doc.packages.length - 1),
        fc.constantFrom(...fields),
        fc.oneof(hostile, fc.anything({ maxDepth: 3 })),
        async (i, field, value) => {
          const { home: h, inv } = home();
          const d = structuredClone(doc);
          (d.packages[i] as Record<string, unknown>)[field] = value;
          writeFileSync(join(inv, 'packages.yaml'), stringify(d));
          for (const cmd of [
            ['inventory', 'check'],
            ['inventory', 'list', '--json'],
          ]) {
            await contract(['--inventory', inv, ...cmd], { home: h }, [inv]);
          }
          rmSync(h, { recursive: true, force: true });
        },
      ),
      params('inventory-yaml', 150),
    );
  });

  it('arbitrary text as packages.yaml (mutated bytes of a real one, or none of it)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.tuple(fc.nat(good.length), fc.nat(200), hostile).map(([at, cut, ins]) => good.slice(0, at) + ins + good.slice(at + cut)),
          fc.string({ unit: 'binary', maxLength: 500 }),
          fc.anything({ maxDepth: 4 }).map((v) => stringify(v) ?? ''),
        ),
        async (text) => {
          const { home: h, inv } = home();
          writeFileSync(join(inv, 'packages.yaml'), text);
          await contract(['--inventory', inv, 'inventory', 'check'], { home: h }, [inv]);
          rmSync(h, { recursive: true, force: true });
        },
      ),
      params('inventory-text', 150),
    );
  });
});

describe('fuzz: CSV import', () => {
  const lines = readFileSync(EXAMPLE_CSV, 'utf8').trim().split('\n');
  const header = lines[0] ?? '';
  const cols = header.split(',');

  it('a hostile cell: refused with nothing written, or imported into an inventory that checks clean', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: Math.min(lines.length - 1, 5) }), fc.nat(cols.length - 1), hostile, async (row, col, value) => {
        const { home: h, inv } = home();
        const rows = lines.slice(0, 6).map((l) => l.split(','));
        const cell = /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
        const target = rows[row];
        if (target) target[col] = cell;
        const csv = join(h, 'in.csv');
        writeFileSync(csv, rows.map((r) => r.join(',')).join('\n') + '\n');
        const r = await contract(['--inventory', inv, 'register', '--from', csv], { home: h }, [inv, h]);
        if (r.exitCode === 0) {
          const check = await runInProcess(['--inventory', inv, 'inventory', 'check'], { home: h });
          expect(check.exitCode, `imported ${JSON.stringify(value)} into column ${cols[col]} but the inventory does not check: ${check.stderr}`).toBe(0);
        }
        rmSync(h, { recursive: true, force: true });
      }),
      params('csv', 120),
    );
  });
});

describe('fuzz: selectors', () => {
  it('any --limit: exit 0 or 2, bounded, nothing written', async () => {
    const { home: h, inv } = home();
    copyFileSync(EXAMPLE, join(inv, 'packages.yaml'));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          hostile,
          fc
            .array(fc.constantFrom('*', 'a', '?', ',', '&', '!', 'tag:', 'ring-0', '35.09', '@failed', 'rambipuji', '[', ']', '(', ')', ' '), { maxLength: 40 })
            .map((a) => a.join('')),
        ),
        async (sel) => {
          const r = await contract(['--inventory', inv, 'inventory', 'list', '--limit', sel], { home: h }, [inv]);
          expect([0, 2], sel).toContain(r.exitCode);
        },
      ),
      params('selectors', 150),
    );
    rmSync(h, { recursive: true, force: true });
  });
});

describe('fuzz: config values', () => {
  it('config set KEY VALUE: refused with the config untouched, or stored and listed', async () => {
    const keys = [
      'api.url',
      'api.token',
      'inventory',
      'forks',
      'sshKex',
      'keyFile',
      'schedule.sweep',
      'schedule.report',
      'timezone',
      'lang',
      'no.such.key',
      '',
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...keys), hostile, async (key, value) => {
        const h = tempDir();
        const r = await contract(['config', 'set', key, value], { home: h }, [h]);
        if (r.exitCode === 0) {
          const list = await runInProcess(['config', 'list', '--json'], { home: h });
          expect(list.exitCode).toBe(0);
          expect(() => JSON.parse(list.stdout)).not.toThrow();
        }
        rmSync(h, { recursive: true, force: true });
      }),
      params('config', 120),
    );
  });
});

describe('fuzz: output paths', () => {
  it('--map onto anything: written where allowed, refused (exit 2) with inputs and state unchanged otherwise', async () => {
    const { home: h, inv } = home();
    copyFileSync(EXAMPLE, join(inv, 'packages.yaml'));
    mkdirSync(join(h, 'out'));
    symlinkSync(join(inv, 'packages.yaml'), join(h, 'out', 'link.svg'));
    const candidates = [
      join(inv, 'packages.yaml'),
      join(inv, 'x.svg'),
      join(h, 'config.json'),
      join(h, 'out', 'link.svg'),
      join(h, 'out'),
      join(h, 'nope', 'x.svg'),
      '/proc/self/x.svg',
      join(h, 'out', 'map.svg'),
      join(h, 'out', 'map.txt'),
      '-',
      '',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constantFrom(...candidates),
          hostile.map((s) => join(h, 'out', s)),
        ),
        async (p) => {
          const invBefore = readFileSync(join(inv, 'packages.yaml'));
          const r = await contract(['--inventory', inv, 'status', '--map', p], { home: h }, [inv]);
          expect([0, 2], p).toContain(r.exitCode);
          expect(readFileSync(join(inv, 'packages.yaml')).equals(invBefore)).toBe(true);
        },
      ),
      params('output-paths', 60),
    );
    rmSync(h, { recursive: true, force: true });
  });
});

describe('fuzz: release names', () => {
  it('release add --version V: refused with the releases store unchanged, or listed afterwards', async () => {
    const h = tempDir();
    const bundle = join(h, 'bundle');
    mkdirSync(bundle);
    writeFileSync(join(bundle, 'index.html'), '<h1>kiosk</h1>\n');
    await fc.assert(
      fc.asyncProperty(hostile, async (v) => {
        const r = await contract(['release', 'add', '--version', v, bundle], { home: h }, [h]);
        if (r.exitCode === 0 && !r.stdout.startsWith('Usage:')) {
          // exit 0 (other than help asked for with --help) means the release is there under that version, not that something else ran
          const list = await runInProcess(['release', 'list', '--json'], { home: h });
          expect(list.exitCode).toBe(0);
          expect(
            (JSON.parse(list.stdout) as { version: string }[]).map((x) => x.version),
            `release add --version ${JSON.stringify(v)} exited 0`,
          ).toContain(v);
        }
      }),
      params('release-names', 80),
    );
    rmSync(h, { recursive: true, force: true });
  });
});

describe('fuzz: pure loaders (health.yaml, recipe overrides, waves, max-fail)', () => {
  const noInternal = (f: () => unknown, what: string) => {
    try {
      f();
    } catch (e) {
      expect(e, `${what}: ${(e as Error).stack}`).toBeInstanceOf(UserError);
    }
  };

  it('health.yaml: a value and issues, never an exception', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.anything({ maxDepth: 4 }).map((v) => stringify(v) ?? ''),
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc
            .record({
              thresholds: fc.anything({ maxDepth: 3 }),
              groups: fc.anything({ maxDepth: 3 }),
              retention_days: fc.oneof(fc.double(), fc.integer(), hostile),
            })
            .map((v) => stringify(v)),
        ),
        (text) => noInternal(() => parseHealthSettings(text, 'health.yaml'), text),
      ),
      params('health-yaml', 150),
    );
  });

  it('recipe overrides: a located error or a recipe', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.anything({ maxDepth: 3 }).map((v) => stringify(v) ?? ''),
          hostile,
        ),
        async (text) => {
          const dir = mkdtempSync(join(tmpdir(), 'jfleet-recipe-'));
          execFileSync('cp', ['-r', `${DEFAULT_RECIPE_DIR}/.`, dir]);
          mkdirSync(join(dir, 'overrides', 'districts'), { recursive: true });
          writeFileSync(join(dir, 'overrides', 'districts', '35.09.13.yaml'), text);
          try {
            await loadRecipe(dir);
          } catch (e) {
            expect(e, `${text}: ${(e as Error).stack}`).toBeInstanceOf(UserError);
          }
          rmSync(dir, { recursive: true, force: true });
        },
      ),
      params('recipe-overrides', 60),
    );
  });

  it('--waves and --max-fail: parsed or one UserError', () => {
    const spec = fc.oneof(
      hostile,
      fc
        .array(fc.oneof(fc.integer({ min: -5, max: 300 }).map(String), fc.constantFrom('%', ',', '10%', '100%', '1e9', '0', '.5')), { maxLength: 8 })
        .map((a) => a.join('')),
    );
    fc.assert(
      fc.property(spec, spec, (w, m) => {
        noInternal(() => parseWaves(w), `waves ${w}`);
        noInternal(() => parseMaxFail(m), `max-fail ${m}`);
      }),
      params('waves-maxfail', 150),
    );
  });
});

describe('fuzz: placeholder values in remote commands', () => {
  const forms = [
    'echo {var.n}',
    'echo "{var.n}"',
    "echo '{var.n}'",
    'echo $(( {var.n} + 1 ))',
    '[[ {var.n} -gt 1 ]]',
    '(( {var.n} > 1 ))',
    'let x={var.n}',
    'declare -i x={var.n}',
    'a=(1 2); echo ${a[{var.n}]}',
    'v=abc; echo ${v:{var.n}}',
    "bash -c 'echo {var.n}'",
    'echo {var.n} {id}',
  ];
  it('a hostile value is refused or stays inert under bash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jfleet-canary-'));
    const canary = join(dir, 'CANARY');
    const payload = fc.oneof(
      hostile,
      fc.constantFrom(
        `x[$(touch ${canary})]`,
        `$(touch ${canary})`,
        `\`touch ${canary}\``,
        `x[\`touch ${canary}\`]`,
        `;touch ${canary}`,
        `'; touch ${canary}; '`,
        `" ; touch ${canary} ; "`,
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom(...forms), payload, (form, value) => {
        let cmd: string;
        try {
          cmd = buildCommand([form], { id: 'kiosk-1', village: '35.09.13.2006', address: '127.0.0.1', vars: { n: value } });
        } catch (e) {
          expect(e).toBeInstanceOf(UserError);
          return;
        }
        try {
          execFileSync('bash', ['-c', cmd], { stdio: 'ignore', timeout: 5000, cwd: dir });
        } catch {
          /* the command may fail; it must not run the payload */
        }
        expect(existsSync(canary), `${form} with ${JSON.stringify(value)} ran: ${cmd}`).toBe(false);
      }),
      params('placeholders', 120),
    );
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('fuzz: central API bodies', () => {
  it('any body to POST /v1/reports: a 2xx or 4xx, never 5xx, and the server keeps answering', async () => {
    const s = await central();
    const valid = sampleReport({ n: 2 }) as unknown as Record<string, unknown>;
    const keys = Object.keys(valid);
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.anything({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? 'null'),
            fc.tuple(fc.constantFrom(...keys), fc.anything({ maxDepth: 3 })).map(([k, v]) => JSON.stringify({ ...valid, [k]: v })),
            fc.string({ unit: 'binary', maxLength: 300 }),
          ),
          fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8'),
          async (body, type) => {
            const res = await fetch(`${s.url}/v1/reports`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type }, body });
            await res.arrayBuffer();
            expect(res.status, body.slice(0, 200)).toBeLessThan(500);
          },
        ),
        params('central-bodies', 150),
      );
      const ok = await fetch(`${s.url}/v1/fleet`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(ok.status).toBeLessThan(500);
    } finally {
      await s.close();
    }
  });
});
