import type { Context } from '../../context.js';
import { printable } from '../../errors.js';
import { printJson } from '../shared.js';
import { queryVillages, villageJson } from '../../inventory/search.js';
import { loadVillages } from '../../inventory/villages.js';
import { table } from '../render/table.js';

export async function villagesCommand(ctx: Context, query: string | undefined, opts: { json?: boolean }): Promise<void> {
  const ref = loadVillages();
  const r = queryVillages(ref, query);
  if (opts.json) {
    if (r.kind === 'districts')
      printJson(
        ctx,
        r.districts.map((d) => ({ code: d.code, name: d.name, villages: d.villages.length })),
      );
    else printJson(ctx, r.villages.map(villageJson));
    return;
  }
  if (r.kind === 'districts') {
    ctx.stdout.write(
      table(
        ['CODE', 'DISTRICT', 'VILLAGES'],
        r.districts.map((d) => [d.code, d.name, String(d.villages.length)]),
      ),
    );
    ctx.stdout.write(
      `${r.districts.length} districts, ${ref.villages.length} villages. Data: Kemendagri codes via cahyadsn/wilayah (MIT); see inventories/reference/README.md\n`,
    );
    return;
  }
  if (r.kind === 'district') ctx.stdout.write(`District ${r.district.name} (${r.district.code}): ${r.villages.length} villages\n`);
  if (r.villages.length === 0) {
    ctx.stdout.write(`no village matches "${printable(query ?? '')}"\n`);
    return;
  }
  ctx.stdout.write(
    table(
      ['CODE', 'VILLAGE', 'KIND', 'DISTRICT', 'LAT', 'LON'],
      r.villages.map((v) => [v.code, v.name, v.kind, v.district, v.lat.toFixed(5), v.lon.toFixed(5)]),
    ),
  );
}
