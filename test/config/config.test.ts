import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError, UserError } from '../../src/errors.js';
import { configReader, loadConfig, loadConfigWithOrigin, setConfigValue, unsetConfigValue } from '../../src/config/config.js';
import { configKeys, envNameFor, maskSecret } from '../../src/config/schema.js';
import { resolveInventoryDir } from '../../src/inventory/paths.js';
import { type CatalogTree, catalogText } from '../../src/i18n/catalog.js';
import en from '../../src/i18n/locales/en.js';
import id from '../../src/i18n/locales/id.js';

const home = () => mkdtempSync(join(tmpdir(), 'jfleet-config-'));

describe('config', () => {
  it('lists the promised keys with their env names', () => {
    const keys = configKeys().map((k) => [k.key, k.env]);
    for (const [key, env] of [
      ['inventory', 'JFLEET_INVENTORY'],
      ['forks', 'JFLEET_FORKS'],
      ['api.url', 'JFLEET_API_URL'],
      ['api.token', 'JFLEET_API_TOKEN'],
      ['api.caFile', 'JFLEET_API_CA_FILE'],
      ['schedule.sweep', 'JFLEET_SCHEDULE_SWEEP'],
      ['schedule.report', 'JFLEET_SCHEDULE_REPORT'],
      ['keyFile', 'JFLEET_KEY_FILE'],
    ])
      expect(keys).toContainEqual([key, env]);
    expect(configKeys().find((k) => k.key === 'api.token')?.secret).toBe(true);
    expect(envNameFor('api.caFile')).toBe('JFLEET_API_CA_FILE');
  });

  it('every key is described in both catalogs, under config.about named for the key', () => {
    for (const k of configKeys()) {
      expect(k.about).toBe(`config.about.${k.key}`);
      for (const tree of [en, id] as CatalogTree[]) expect(catalogText(tree, k.about), `${k.key}`).toMatch(/\w+ \w+/);
    }
    expect(catalogText(id as CatalogTree, 'config.about.forks')).toBe('jumlah perangkat yang dikerjakan sekaligus (bawaan 50)');
  });

  it('stores under JFLEET_HOME with mode 0600 and reads it back', async () => {
    const h = home();
    await setConfigValue({ home: h, env: {} }, 'forks', '12');
    await setConfigValue({ home: h, env: {} }, 'api.url', 'https://central.lan/api');
    const file = join(h, 'config.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ forks: 12, api: { url: 'https://central.lan/api' } });
    const c = await loadConfig({ home: h, env: {} });
    expect(c.forks).toBe(12);
    expect(c.api.url).toBe('https://central.lan/api');
  });

  it('lets JFLEET_* override the file, typed by the schema', async () => {
    const h = home();
    await setConfigValue({ home: h, env: {} }, 'forks', '12');
    const { config, origin } = await loadConfigWithOrigin({
      home: h,
      env: { JFLEET_FORKS: '3', JFLEET_API_TOKEN: 'tok-123456789', JFLEET_SCHEDULE_SWEEP: '*/5 * * * *' },
    });
    expect(config.forks).toBe(3);
    expect(config.api.token).toBe('tok-123456789');
    expect(config.schedule.sweep).toBe('*/5 * * * *');
    expect(origin.get('forks')).toBe('env');
  });

  it('names the variable when an override is invalid', async () => {
    const err = await loadConfig({ home: home(), env: { JFLEET_FORKS: 'many' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues[0]).toMatchObject({ file: 'environment', field: 'JFLEET_FORKS' });
  });

  it.each([
    ['forks', '0', 'at least 1'],
    ['forks', 'ten', 'whole number'],
    ['api.url', 'ftp://x', 'http(s) URL'],
    ['api.token', 'has space', 'printable ASCII'],
    ['schedule.sweep', 'every minute', 'cron expression'],
    ['keyFile', 'a\u0007b', 'control characters'],
  ])('rejects %s=%s', async (key, value, msg) => {
    const h = home();
    const err = await setConfigValue({ home: h, env: {} }, key, value).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toContain(msg);
  });

  it('rejects unknown keys', async () => {
    await expect(setConfigValue({ home: home(), env: {} }, 'api.password', 'x')).rejects.toBeInstanceOf(UserError);
  });

  it('reports a hand-broken file with its path', async () => {
    const h = home();
    writeFileSync(join(h, 'config.json'), '{"forks": -1}');
    const err = await loadConfig({ home: h, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).issues[0]).toMatchObject({ file: join(h, 'config.json'), field: 'forks' });
  });

  it('a file that is not JSON, or not an object, is one error naming it; no file is the defaults; what set writes reads back', async () => {
    for (const text of ['{"forks": 5', '[1, 2]', 'null']) {
      const h = home();
      writeFileSync(join(h, 'config.json'), text);
      const err = await loadConfig({ home: h, env: {} }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toMatch(new RegExp(`^${join(h, 'config.json')}: cannot read the config: `));
    }
    expect((await loadConfig({ home: home(), env: {} })).forks).toBeUndefined();
    const h = home();
    await setConfigValue({ home: h, env: {} }, 'sshKex', 'curve25519-sha256, ecdh-sha2-nistp256');
    expect((await loadConfig({ home: h, env: {} })).sshKex).toBe('curve25519-sha256, ecdh-sha2-nistp256');
    await expect(setConfigValue({ home: h, env: {} }, 'sshKex', 'curve25519-sha256;rm -rf /')).rejects.toBeInstanceOf(InputError);
    const unknown = await setConfigValue({ home: h, env: {} }, 'sshKex', 'curve25519-sha256,foo-bar').catch((e: unknown) => e);
    expect((unknown as InputError).issues).toEqual([
      expect.objectContaining({ field: 'sshKex', message: expect.stringMatching(/^unknown key-exchange algorithm "foo-bar"/) }),
    ]);
    const fromEnv = await loadConfig({ home: h, env: { JFLEET_SSH_KEX: 'x;y' } }).catch((e: unknown) => e);
    expect((fromEnv as InputError).issues).toHaveLength(1);
    expect((fromEnv as InputError).issues[0]).toMatchObject({ field: 'JFLEET_SSH_KEX' });
  });

  it('sshCompression is zlib or none, from the file or JFLEET_SSH_COMPRESSION; anything else is refused naming the field', async () => {
    const h = home();
    expect((await loadConfig({ home: h, env: {} })).sshCompression).toBeUndefined();
    await setConfigValue({ home: h, env: {} }, 'sshCompression', 'none');
    expect((await loadConfig({ home: h, env: {} })).sshCompression).toBe('none');
    expect((await loadConfig({ home: h, env: { JFLEET_SSH_COMPRESSION: 'zlib' } })).sshCompression).toBe('zlib');
    const bad = await setConfigValue({ home: h, env: {} }, 'sshCompression', 'gzip').catch((e: unknown) => e);
    expect((bad as InputError).issues).toEqual([expect.objectContaining({ field: 'sshCompression', message: 'must be zlib or none' })]);
    const fromEnv = await loadConfig({ home: h, env: { JFLEET_SSH_COMPRESSION: 'yes' } }).catch((e: unknown) => e);
    expect((fromEnv as InputError).issues[0]).toMatchObject({ field: 'JFLEET_SSH_COMPRESSION' });
  });

  it('unset goes back to the default', async () => {
    const h = home();
    await setConfigValue({ home: h, env: {} }, 'api.token', 'abc123456789');
    await unsetConfigValue({ home: h, env: {} }, 'api.token');
    expect((await loadConfig({ home: h, env: {} })).api.token).toBeUndefined();
  });

  it('ctx.config() reads once per command: the same value, or the same located error, every time', () => {
    const h = home();
    writeFileSync(join(h, 'config.json'), '{"forks": 9}');
    const read = configReader({ home: h, env: {} });
    expect(read().forks).toBe(9);
    writeFileSync(join(h, 'config.json'), '{"forks": 3}');
    expect(read().forks).toBe(9);
    const bad = home();
    writeFileSync(join(bad, 'config.json'), '{"forks": -1}');
    const broken = configReader({ home: bad, env: {} });
    const first = (() => {
      try {
        broken();
      } catch (e) {
        return e;
      }
    })();
    expect(first).toBeInstanceOf(InputError);
    writeFileSync(join(bad, 'config.json'), '{}');
    expect(() => broken()).toThrow(first as Error);
  });

  it('masks secrets', () => {
    expect(maskSecret('abcdefghijkl')).toBe('ab******kl');
    expect(maskSecret('short')).toBe('********');
  });

  it('resolveInventoryDir: flag, then env, then config, then JFLEET_HOME/inventory', async () => {
    const h = home();
    const at = (env: Record<string, string>) => ({ cwd: '/work', home: h, env, config: configReader({ home: h, env }) });
    expect(resolveInventoryDir(at({}))).toBe(join(h, 'inventory'));
    await setConfigValue(at({}), 'inventory', '/srv/fleet');
    expect(resolveInventoryDir(at({}))).toBe('/srv/fleet');
    expect(resolveInventoryDir(at({ JFLEET_INVENTORY: 'inv' }))).toBe('/work/inv');
    expect(resolveInventoryDir(at({ JFLEET_INVENTORY: 'inv' }), 'flag')).toBe('/work/flag');
  });
});
