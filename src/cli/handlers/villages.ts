import type { Context } from '../../context.js';
import type { MessageKey } from '../../i18n/catalog.js';
import { printable } from '../../errors.js';
import { printJson } from '../shared.js';
import { queryVillages, villageJson } from '../../inventory/search.js';
import { loadVillages } from '../../inventory/villages.js';
import { table } from '../render/table.js';
import { formats } from '../render/speech.js';
import { decimal } from '../../i18n/format.js';

export async function villagesCommand(ctx: Context, query: string | undefined, opts: { json?: boolean }): Promise<void> {
  const t = ctx.t;
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
        [t('villages.column.code'), t('villages.column.district'), t('villages.column.villages')],
        r.districts.map((d) => [d.code, d.name, String(d.villages.length)]),
      ),
    );
    ctx.stdout.write(`${t('villages.summary', { districts: r.districts.length, villages: ref.villages.length })}\n`);
    return;
  }
  if (r.kind === 'district') ctx.stdout.write(`${t('villages.district', { name: r.district.name, code: r.district.code, count: r.villages.length })}\n`);
  if (r.villages.length === 0) {
    ctx.stdout.write(`${t('villages.noMatch', { query: printable(query ?? '') })}\n`);
    return;
  }
  // coordinates the language's way (-8,31828 in Indonesian); --json keeps the numbers
  const f = formats(ctx);
  ctx.stdout.write(
    table(
      ['code', 'village', 'kind', 'district', 'lat', 'lon'].map((c) => t(`villages.column.${c}` as MessageKey)),
      r.villages.map((v) => [v.code, v.name, v.kind, v.district, decimal(f, v.lat, 5), decimal(f, v.lon, 5)]),
    ),
  );
}
