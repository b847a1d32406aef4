/**
 * The lines the tree keeps (ARCHITECTURE.md), checked on the source so they cannot erode:
 * pure modules import no I/O, nothing above src/transport/ imports ssh2 or execa, only
 * src/main.ts decides the exit code, and importing a command group starts nothing.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './helpers/cli.js';

const SRC = join(ROOT, 'src');
const files = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
const all = files(SRC).map((p) => ({ path: relative(ROOT, p), text: readFileSync(p, 'utf8') }));

/** value imports (not `import type`) and dynamic imports of a file */
function imports(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)) out.push(m[1] ?? '');
  for (const m of text.matchAll(/^import\s+'([^']+)'/gm)) out.push(m[1] ?? '');
  for (const m of text.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) out.push(m[1] ?? '');
  return out;
}

// Planning, evaluating, selecting and rendering: data in, data out.
const PURE = [
  'src/health/checks.ts',
  'src/health/machine.ts',
  'src/health/thresholds.ts',
  'src/health/render.ts',
  'src/inventory/selector.ts',
  'src/inventory/schema.ts',
  'src/inventory/register-plan.ts',
  'src/inventory/search.ts',
  'src/rollout/waves.ts',
  'src/rollout/machine.ts',
  'src/rollout/junit.ts',
  'src/provision/plan.ts',
  'src/provision/facts.ts',
  'src/provision/render.ts',
  'src/provision/gather.ts',
  ...['index', 'common', 'file', 'directory', 'link', 'hostname', 'timezone', 'user', 'apt', 'deb', 'service', 'release-base', 'sshd', 'absent', 'keypair'].map(
    (k) => `src/provision/steps/${k}.ts`,
  ),
  'src/report/contract.ts',
  'src/transport/shell.ts',
  'src/transport/classify.ts',
  'src/cli/output-path.ts',
  'src/reach/layout.ts',
  'src/i18n/language.ts',
  'src/i18n/format.ts',
  'src/i18n/catalog.ts',
];
const IO = [
  'node:fs',
  'fs',
  'node:fs/promises',
  'ssh2',
  'execa',
  'node-cron',
  'conf',
  'better-sqlite3',
  'undici',
  'node:child_process',
  'node:http',
  'node:https',
];

describe('architecture', () => {
  it.each(PURE)('%s imports no I/O module and calls no fetch', (path) => {
    const f = all.find((x) => x.path === path);
    expect(f, `${path} is listed as pure but does not exist`).toBeTruthy();
    expect(imports(f!.text).filter((m) => IO.includes(m))).toEqual([]);
    expect(f!.text).not.toMatch(/\bfetch\(/);
  });

  it('nothing outside src/transport/ imports ssh2 or execa', () => {
    const offenders = all.filter((f) => !f.path.startsWith('src/transport/') && imports(f.text).some((m) => m === 'ssh2' || m === 'execa'));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('only src/main.ts sets the exit code or exits', () => {
    const offenders = all.filter((f) => f.path !== 'src/main.ts' && /process\.exit(Code)?\b/.test(f.text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '')));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('files are replaced with writeAtomic, not writeFileSync or write-file-atomic (a full disk truncates those)', () => {
    // the lab's device roots and the demo's CSV are scratch; a release is staged and renamed; local.ts writes on the device
    const allowed = ['src/lab/image.ts', 'src/lab/lifecycle.ts', 'src/lab/reach.ts', 'src/demo/demo.ts', 'src/rollout/release.ts', 'src/transport/local.ts'];
    const offenders = all.filter(
      (f) =>
        !allowed.includes(f.path) &&
        (/\bwriteFileSync\(|\bwriteFile\(|\bappendFile\(/.test(f.text.replace(/sftp\.writeFile\(/g, '')) || imports(f.text).includes('write-file-atomic')),
    );
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('one lock primitive: nothing imports proper-lockfile', () => {
    // src/store/lock.ts is the lock of the tree; proper-lockfile's signal-exit hook re-raises SIGTERM
    const offenders = all.filter((f) => imports(f.text).includes('proper-lockfile') || /\brequire\(\s*'proper-lockfile'\s*\)/.test(f.text));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('health, schedule, report, central and store never import src/cli (handlers live there, capabilities return data)', () => {
    const below = ['src/health/', 'src/schedule/', 'src/report/', 'src/central/', 'src/store/'];
    const offenders = all.filter((f) => below.some((d) => f.path.startsWith(d)) && imports(f.text).some((m) => /(^|\/)cli\//.test(m)));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('src/store/ is the ground floor: it imports nothing of ours but errors, context and the atomic write', () => {
    const ours = (m: string) => m.startsWith('.');
    const offenders = all
      .filter((f) => f.path.startsWith('src/store/'))
      .flatMap((f) =>
        imports(f.text)
          .filter((m) => ours(m) && !m.startsWith('./') && !['../errors.js', '../context.js', '../atomic-file.js'].includes(m))
          .map((m) => `${f.path} -> ${m}`),
      );
    expect(offenders).toEqual([]);
  });

  it("the runner's reporting (src/report/) and the central server (src/central/) share only the contract", () => {
    const report = all
      .filter((f) => f.path.startsWith('src/report/'))
      .flatMap((f) =>
        imports(f.text)
          .filter((m) => m.includes('central/'))
          .map((m) => `${f.path} -> ${m}`),
      );
    const central = all
      .filter((f) => f.path.startsWith('src/central/'))
      .flatMap((f) =>
        imports(f.text)
          .filter((m) => m.includes('/report/') && m !== '../report/contract.js')
          .map((m) => `${f.path} -> ${m}`),
      );
    expect([...report, ...central]).toEqual([]);
  });

  it('command group files load their handlers lazily (no static import of a service module)', () => {
    const groups = all.filter((f) => f.path.startsWith('src/cli/commands/'));
    expect(groups.length).toBeGreaterThan(10);
    for (const g of groups) {
      const staticImports = [...g.text.matchAll(/^import\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
      // commander, the shared option helpers and the context type are all a group may load up front
      expect(
        staticImports.filter((m) => !['commander', '../shared.js', '../../context.js', '../../errors.js'].includes(m)),
        g.path,
      ).toEqual([]);
    }
  });
});

describe('architecture: inventory, config, transport and lab', () => {
  it('inventory, config, transport and lab never import src/cli (their handlers live there)', () => {
    const below = ['src/inventory/', 'src/config/', 'src/transport/', 'src/lab/'];
    const offenders = all.filter((f) => below.some((d) => f.path.startsWith(d)) && imports(f.text).some((m) => /(^|\/)cli\//.test(m)));
    expect(offenders.map((f) => f.path)).toEqual([]);
  });

  it('src/transport/ is closed: it imports only context, errors, the atomic write and itself (no config, no inventory)', () => {
    const allowed = ['../context.js', '../errors.js', '../atomic-file.js'];
    const typeImports = (text: string) => [...text.matchAll(/^import\s+type\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
    const offenders = all
      .filter((f) => f.path.startsWith('src/transport/'))
      .flatMap((f) =>
        [...imports(f.text), ...typeImports(f.text)]
          .filter((m) => m.startsWith('.') && !m.startsWith('./') && !allowed.includes(m))
          .map((m) => `${f.path} -> ${m}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe('engines emit, handlers render', () => {
  it.each(['src/provision/', 'src/rollout/', 'src/demo/'])('%s never imports src/cli (its handler in src/cli/handlers/ renders, asks and exits)', (dir) => {
    const offenders = all
      .filter((f) => f.path.startsWith(dir))
      .flatMap((f) =>
        imports(f.text)
          .filter((m) => /(^|\/)cli\//.test(m))
          .map((m) => `${f.path} -> ${m}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe('layers', () => {
  it('nothing outside src/cli imports it, but src/main.ts, which builds the program', () => {
    const offenders = all
      .filter((f) => !f.path.startsWith('src/cli/') && f.path !== 'src/main.ts')
      .flatMap((f) =>
        imports(f.text)
          .filter((m) => /(^|\/)cli\//.test(m))
          .map((m) => `${f.path} -> ${m}`),
      );
    expect(offenders).toEqual([]);
  });

  it('every command handler lives in src/cli/handlers/ (no handlers/, commands.ts or service.ts of command verbs in a capability)', () => {
    const misplaced = all.filter((f) => !f.path.startsWith('src/cli/') && /(^|\/)(handlers\/|commands\.ts$|handlers\.ts$)/.test(f.path));
    expect(misplaced.map((f) => f.path)).toEqual([]);
  });
});

describe('architecture: CLI wording stays in src/cli', () => {
  it('src/transport/ has no string literal containing "jfleet " (hints are data; src/cli/render/failure.ts words them)', () => {
    const literals = (text: string) => {
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
      return [...code.matchAll(/'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g)].map((m) => m[0]);
    };
    const offenders = all
      .filter((f) => f.path.startsWith('src/transport/'))
      .flatMap((f) =>
        literals(f.text)
          .filter((s) => /jfleet /.test(s))
          .map((s) => `${f.path}: ${s}`),
      );
    // the one known literal names the program as the subject of a policy, not a command to run
    const known = [
      'src/transport/kex.ts: `key-exchange algorithm "${name}" uses SHA-1, which jfleet refuses (${KEX_SHA1.join(\', \')}); use e.g. ${KEX_PREFERENCE[0]}`',
    ];
    expect(offenders.filter((o) => !known.includes(o))).toEqual([]);
  });

  it('no UserError/InputError hint: in a capability is a string literal naming a jfleet command (advice is data; src/cli/render/advice.ts words it)', () => {
    const CAPABILITIES = ['health', 'inventory', 'rollout', 'provision', 'report', 'schedule', 'config'];
    const LITERAL = /'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`/g;
    // a hint: value runs to the next , or } outside a literal (so a ternary of literals counts too)
    const HINT = /\bhint:((?:\s|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\]|\\.)*`|[^,}'"`])*)/g;
    const offenders = all
      .filter((f) => CAPABILITIES.some((c) => f.path.startsWith(`src/${c}/`)))
      .flatMap((f) =>
        [...f.text.matchAll(HINT)]
          .flatMap((m) => [...(m[1] ?? '').matchAll(LITERAL)].map((l) => l[0]))
          .filter((s) => /jfleet /.test(s))
          .map((s) => `${f.path}: ${s}`),
      );
    expect(offenders).toEqual([]);
  });
});

describe('capabilities meet only at what each one publishes', () => {
  // A capability's published modules: its engine, its readers and its pure vocabulary. Anything
  // else in a capability folder is its own business; another capability reaching into it (a
  // sweep opening rollout's store, a rollout running health's probe) is the erosion this stops.
  const PUBLISHED: Record<string, string[]> = {
    inventory: ['service', 'load', 'villages', 'schema', 'selector', 'store', 'registration', 'bastions'],
    config: ['config', 'schema'],
    transport: ['pool', 'types', 'shell', 'fanout', 'kex', 'keygen'],
    store: ['db', 'lock'],
    health: ['sweep', 'store', 'render', 'settings', 'map', 'types', 'screenshot'],
    report: ['contract', 'service'],
    central: ['server'],
    provision: ['runner', 'recipe', 'recipe-load'],
    rollout: [],
    schedule: [],
    lab: ['lab', 'booted'],
    reach: ['bastion', 'layout', 'status', 'migrations'],
    demo: [],
  };
  const caps = Object.keys(PUBLISHED);
  it('a capability imports another only through its published modules', () => {
    const offenders = all.flatMap((f) => {
      const from = f.path.split('/')[1] ?? '';
      if (!caps.includes(from)) return [];
      return imports(f.text)
        .filter((m) => m.startsWith('.'))
        .map((m) => relative(SRC, join(ROOT, f.path, '..', m)).replace(/\.js$/, ''))
        .filter((target) => {
          const [to, ...rest] = target.split('/');
          return to !== undefined && to !== from && caps.includes(to) && !(PUBLISHED[to] ?? []).includes(rest.join('/'));
        })
        .map((target) => `${f.path} -> ${target}`);
    });
    expect(offenders).toEqual([]);
  });
});
