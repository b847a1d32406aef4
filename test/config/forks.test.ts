import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReader, DEFAULT_FORKS, resolveForks, setConfigValue } from '../../src/config/config.js';

const home = () => mkdtempSync(join(tmpdir(), 'jfleet-forks-'));

describe('resolveForks: how many devices a fleet command works on at once', () => {
  it('takes the flag, else JFLEET_FORKS, else the config, else 50', async () => {
    const h = home();
    expect(DEFAULT_FORKS).toBe(50);
    const ctx = (env: Record<string, string>) => ({ config: configReader({ home: h, env }) });
    expect(await resolveForks(ctx({}))).toBe(50);
    await setConfigValue({ home: h, env: {} }, 'forks', '12');
    expect(await resolveForks(ctx({}))).toBe(12);
    expect(await resolveForks(ctx({ JFLEET_FORKS: '7' }))).toBe(7);
    expect(await resolveForks(ctx({ JFLEET_FORKS: '7' }), 3)).toBe(3);
  });
});
