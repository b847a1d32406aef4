import { describe, expect, it } from 'vitest';
import { cannotWrite, outputProblem, type Guard, type OutputFacts } from '../../src/cli/output-path.js';

const GUARDS: Guard[] = [
  { what: 'the CSV being imported (--from)', path: '/work/in/packages.csv', tree: false, id: '1:100' },
  { what: 'the inventory directory (/srv/inv)', path: '/srv/inv', tree: true },
  {
    what: 'JFLEET_HOME (/home/t/.jfleet), where jfleet keeps its config, keys and state',
    path: '/home/t/.jfleet',
    tree: true,
    except: ['/home/t/.jfleet/central'],
  },
];

const out = (file: string, more: Partial<OutputFacts> = {}): OutputFacts => ({ flag: '--rejected', file, real: file, ...more });

describe('outputProblem: may an output flag write this file?', () => {
  it.each<[string, OutputFacts, string | undefined]>([
    ['a new file in a writable directory', out('/work/out/bad.csv'), undefined],
    ['an existing file outside every guard', out('/work/out/old.csv', { id: '1:7' }), undefined],
    ['the inventory file', out('/srv/inv/packages.yaml', { id: '1:5' }), 'it is in the inventory directory (/srv/inv)'],
    ['a new file under the inventory directory', out('/srv/inv/recipes/x.yaml'), 'it is in the inventory directory (/srv/inv)'],
    ['the inventory directory itself', out('/srv/inv', { isDirectory: true }), 'it is the inventory directory (/srv/inv)'],
    ['a sibling whose name only starts like the inventory directory', out('/srv/inventory.csv'), undefined],
    ['the CSV being imported', out('/work/in/packages.csv', { id: '1:100' }), 'it is the CSV being imported (--from)'],
    [
      'a symbolic link to the inventory file',
      out('/work/out/link.csv', { real: '/srv/inv/packages.yaml', id: '1:5' }),
      'it resolves to /srv/inv/packages.yaml, in the inventory directory (/srv/inv)',
    ],
    [
      'a symbolic link to the CSV',
      out('/work/out/link.csv', { real: '/work/in/packages.csv', id: '1:100' }),
      'it resolves to /work/in/packages.csv, the CSV being imported (--from)',
    ],
    ['a hard link to the CSV', out('/work/out/hard.csv', { id: '1:100' }), 'it is a hard link to /work/in/packages.csv, the CSV being imported (--from)'],
    [
      'a hard link to the inventory file',
      out('/work/out/hard.csv', { id: '1:5', hardLinks: ['/srv/inv/packages.yaml'] }),
      'it is a hard link to /srv/inv/packages.yaml, in the inventory directory (/srv/inv)',
    ],
    ['a file with other links, none guarded', out('/work/out/hard.csv', { id: '1:6', hardLinks: ['/elsewhere/x'] }), undefined],
    [
      'the config in JFLEET_HOME',
      out('/home/t/.jfleet/config.json', { id: '1:9' }),
      'it is in JFLEET_HOME (/home/t/.jfleet), where jfleet keeps its config, keys and state',
    ],
    [
      'the state database',
      out('/home/t/.jfleet/state/jfleet.db', { id: '1:10' }),
      'it is in JFLEET_HOME (/home/t/.jfleet), where jfleet keeps its config, keys and state',
    ],
    ['under a directory excepted from JFLEET_HOME', out('/home/t/.jfleet/central/central.db'), undefined],
    ['a directory', out('/work/out', { isDirectory: true }), 'is a directory'],
    ['in a missing directory', out('/work/nope/x.xml', { problem: 'ENOENT' }), 'no such directory'],
    ['under a file', out('/work/file.txt/x.xml', { problem: 'ENOTDIR' }), 'a path component is not a directory'],
    ['in an unwritable directory', out('/ro/x.xml', { problem: 'EACCES' }), 'permission denied'],
    ['on a read-only file system', out('/ro/x.xml', { problem: 'EROFS' }), 'read-only file system'],
    ['an unknown errno is named as it is', out('/odd/x.xml', { problem: 'EWEIRD' }), 'EWEIRD'],
  ])('%s', (_name, facts, expected) => {
    expect(outputProblem(facts, GUARDS)).toBe(expected);
  });

  it('a guard wins over a plain file-system problem (the inventory is named, not just "permission denied")', () => {
    expect(outputProblem(out('/srv/inv/packages.yaml', { id: '1:5', problem: 'EACCES' }), GUARDS)).toBe('it is in the inventory directory (/srv/inv)');
  });

  it('two output flags naming the same file, by path or through a link (same inode)', () => {
    const junit = out('/work/out/report.xml', { flag: '--junit' });
    expect(outputProblem(out('/work/out/report.xml', { flag: '--map' }), GUARDS, [junit])).toBe('--junit names the same file');
    const existing = out('/work/out/a.xml', { flag: '--junit', id: '2:1' });
    expect(outputProblem(out('/work/out/b.xml', { flag: '--map', id: '2:1' }), GUARDS, [existing])).toBe('--junit names the same file');
    expect(outputProblem(out('/work/out/b.xml', { flag: '--map' }), GUARDS, [existing])).toBeUndefined();
  });

  it('one wording for every flag', () => {
    expect(cannotWrite('--junit', '/srv/inv/packages.yaml', 'it is in the inventory directory (/srv/inv)')).toBe(
      '--junit: cannot write /srv/inv/packages.yaml: it is in the inventory directory (/srv/inv)',
    );
  });
});
