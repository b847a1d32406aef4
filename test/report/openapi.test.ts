import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, OPENAPI_FILE, renderOpenApiDocument } from '../../src/report/openapi.js';
import { FleetStateSchema, ReportAcceptedSchema, ReportSchema } from '../../src/report/contract.js';
import { ROOT } from '../helpers/cli.js';
import { sampleReport } from './helpers.js';

describe('OpenAPI document', () => {
  it('the committed file is exactly what the schemas generate (run npm run openapi after changing contract.ts)', () => {
    const committed = readFileSync(join(ROOT, OPENAPI_FILE), 'utf8');
    expect(committed).toBe(renderOpenApiDocument());
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    const v = new Validator();
    const res = await v.validate(buildOpenApiDocument());
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
    expect(v.version).toBe('3.1');
  });

  it('its schemas accept and reject the same documents as the zod schemas', () => {
    const doc = buildOpenApiDocument() as { components: { schemas: Record<string, object> } };
    const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
    (addFormats as unknown as typeof addFormats.default)(ajv);
    ajv.addSchema({ $id: 'doc', components: doc.components }, 'doc');
    const check = (name: string, value: unknown) => ajv.validate({ $ref: `doc#/components/schemas/${name}` }, value);
    const good = sampleReport({ n: 4, states: ['ok', 'critical', 'unreachable', 'warn'] });
    const samples: Array<[string, unknown]> = [
      ['Report', good],
      ['Report', { ...good, reportId: 'nope' }],
      ['Report', { ...good, contract: 'v0' }],
      ['Report', { ...good, fleet: { ...good.fleet, packages: [{ ...good.fleet.packages[0], state: 'down' }] } }],
      ['Report', { ...good, changes: [{ seq: -1, id: 'x', from: null, to: 'ok', hard: true, at: good.createdAt }] }],
      ['ReportAccepted', { reportId: good.reportId, duplicate: true, receivedAt: good.createdAt }],
      ['ReportAccepted', { reportId: good.reportId, duplicate: 'yes', receivedAt: good.createdAt }],
      ['FleetState', { generatedAt: good.createdAt, lastReportAt: null, reports: 0, counts: good.fleet.counts, packages: [] }],
    ];
    const zodFor: Record<string, { safeParse(v: unknown): { success: boolean } }> = {
      Report: ReportSchema,
      ReportAccepted: ReportAcceptedSchema,
      FleetState: FleetStateSchema,
    };
    for (const [name, value] of samples) {
      const z = zodFor[name]!.safeParse(value).success;
      const j = check(name, value);
      expect(j, `${name} ${JSON.stringify(value).slice(0, 80)}: ajv ${JSON.stringify(ajv.errors)}`).toBe(z);
    }
    expect(samples.filter(([n, v]) => zodFor[n]!.safeParse(v).success)).toHaveLength(3);
  });
});
