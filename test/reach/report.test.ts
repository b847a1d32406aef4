/** The tunnel in the report to the central API (optional, additive) and on the dashboard (real HTTP on loopback). */
import { afterEach, describe, expect, it } from 'vitest';
import { loadVillages } from '../../src/inventory/villages.js';
import { buildReport } from '../../src/report/build.js';
import { FleetStateSchema, ReportSchema } from '../../src/report/contract.js';
import { uuidv7 } from '../../src/report/ids.js';
import { at } from '../helpers/at.js';
import { central, devices, RUNNER, TOKEN } from '../report/helpers.js';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

describe('tunnel in the report', () => {
  it('a tunnelled package carries its tunnel apart from its state; a direct one carries none; the server keeps it and the dashboard shows it', async () => {
    const now = new Date();
    const list = devices(2, ['unreachable', 'ok'], now.toISOString());
    const tunnelled = at(list, 0).id;
    const report = buildReport({
      reportId: uuidv7(now.getTime()),
      createdAt: now,
      runner: RUNNER,
      devices: list,
      changes: [],
      ref: loadVillages(),
      tunnels: new Map([
        [
          tunnelled,
          {
            bastion: 'bastion-jember',
            state: 'down' as const,
            connectedSince: null,
            lastSeen: new Date(now.getTime() - 3 * 3600_000).toISOString(),
            port: 443,
          },
        ],
      ]),
    });
    const parsed = ReportSchema.parse(report);
    expect(parsed.fleet.packages.find((p) => p.id === tunnelled)?.tunnel).toMatchObject({ state: 'down', bastion: 'bastion-jember', port: 443 });
    expect(parsed.fleet.packages.find((p) => p.id !== tunnelled)?.tunnel).toBeUndefined();

    const srv = await central();
    cleanup.push(() => srv.close());
    const res = await fetch(`${srv.url}/v1/reports`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(report),
    });
    expect(res.status).toBeLessThan(300);
    const fleet = FleetStateSchema.parse(await (await fetch(`${srv.url}/v1/fleet`)).json());
    expect(fleet.packages.find((p) => p.id === tunnelled)?.tunnel).toMatchObject({ state: 'down', lastSeen: expect.any(String), port: 443 });
    const page = await (await fetch(`${srv.url}/`)).text();
    // the page's relative times are Intl's words for the language (main's dashboard), the tunnel's too
    expect(page).toMatch(/<small class="tunnel" data-tunnel="down" title="tunnel via bastion-jember port 443">tunnel down, seen 3 hours ago<\/small>/);
    const halaman = await (await fetch(`${srv.url}/?lang=id`)).text();
    expect(halaman).toMatch(
      /<small class="tunnel" data-tunnel="down" title="terowongan lewat bastion-jember port 443">terowongan putus, terlihat 3 jam yang lalu<\/small>/,
    );
  });
});
