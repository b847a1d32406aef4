/**
 * Builds the OpenAPI 3.1 document of the central reporting API from the zod schemas in
 * contract.ts. The committed openapi/jfleet-central.v1.json is this function's output
 * (`npm run openapi` writes it; test/report/openapi.test.ts fails when the two differ).
 * Pure: no I/O.
 */
import { z } from 'zod';
import {
  ApiErrorSchema,
  CheckSchema,
  CheckStateSchema,
  CONTRACT,
  DeviceHistorySchema,
  FleetPackageSchema,
  FleetStateSchema,
  HealthStateSchema,
  HistoryEntrySchema,
  PackageSnapshotSchema,
  ReportAcceptedSchema,
  ReportSchema,
  RunnerSchema,
  StateChangeSchema,
  StateCountsSchema,
} from './contract.js';

export const OPENAPI_FILE = 'openapi/jfleet-central.v1.json';

const COMPONENTS: Record<string, z.ZodType> = {
  HealthState: HealthStateSchema,
  CheckState: CheckStateSchema,
  Check: CheckSchema,
  PackageSnapshot: PackageSnapshotSchema,
  StateChange: StateChangeSchema,
  Runner: RunnerSchema,
  StateCounts: StateCountsSchema,
  Report: ReportSchema,
  ReportAccepted: ReportAcceptedSchema,
  ApiError: ApiErrorSchema,
  FleetPackage: FleetPackageSchema,
  FleetState: FleetStateSchema,
  HistoryEntry: HistoryEntrySchema,
  DeviceHistory: DeviceHistorySchema,
};

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });
const json = (id: string) => ({ 'application/json': { schema: ref(id) } });
const errorResponse = (description: string) => ({ description, content: json('ApiError') });

export function componentSchemas(): Record<string, unknown> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id });
  const out = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    // What a valid request/answer may look like: unknown extra fields are tolerated (and
    // dropped by the zod parse), so adding an optional field later is not a breaking change.
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
    unrepresentable: 'throw',
  }) as { schemas: Record<string, Record<string, unknown>> };
  const schemas: Record<string, unknown> = {};
  for (const id of Object.keys(COMPONENTS)) {
    // Each component is embedded in the document, so its own $schema/$id are noise.
    const { $schema: _s, $id: _i, id: _id, ...rest } = out.schemas[id] ?? {};
    schemas[id] = rest;
  }
  return schemas;
}

export function buildOpenApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'jfleet central reporting API',
      version: '1.0.0',
      summary: `Fleet reports from jfleet runners (contract "${CONTRACT}").`,
      description: [
        'Runners POST a report (fleet snapshot + state changes) after sweeps. Every report carries a',
        'reportId (UUID v7) that is its idempotency key: the server stores a report id once and answers',
        'a resend with 200 and duplicate:true ("already have it"), so a runner that lost the answer',
        'can resend safely. A 409 with error "duplicate_report" is treated the same way.',
        '',
        'Runners retry on network errors, timeouts, 408, 429 and 5xx, with exponential backoff and',
        "jitter, honouring Retry-After. Other 4xx answers move the report to the runner's dead-letter",
        'list; 401 and 403 keep it queued and stop sending until the token is fixed.',
        '',
        'Request bodies larger than 16 KiB are sent with Content-Encoding: gzip.',
        '',
        "Clocks: a report whose createdAt is more than 5 minutes ahead of the server's clock is refused",
        'with 422 "created_in_future" (fix the runner\'s clock, then retry it). The server orders a',
        "package's snapshots by min(createdAt, time received), so no runner's clock can keep a",
        'snapshot ahead of the reports that arrive after it.',
        '',
        'The reference server answers only to its own Host names (else 421), may not be framed',
        "(CSP frame-ancestors 'none', X-Frame-Options DENY), accepts report bodies up to 16 MiB",
        '(413) and holds at most 64 MiB of bodies at once (503 with Retry-After). Reads need the read',
        'token (readAuth) when the server has one; without one they are open on loopback only.',
      ].join('\n'),
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: 'http://127.0.0.1:8480', description: 'reference central server (jfleet central serve)' }],
    security: [{ bearerAuth: [] }],
    paths: {
      '/v1/reports': {
        post: {
          operationId: 'postReport',
          summary: 'Store one fleet report (idempotent by reportId)',
          parameters: [
            {
              name: 'Idempotency-Key',
              in: 'header',
              required: false,
              description: 'the reportId again, for proxies that deduplicate on it',
              schema: { type: 'string' },
            },
            {
              name: 'Content-Encoding',
              in: 'header',
              required: false,
              description: '"gzip" when the body is compressed',
              schema: { type: 'string', enum: ['gzip', 'identity'] },
            },
          ],
          requestBody: { required: true, content: json('Report') },
          responses: {
            '201': { description: 'stored', content: json('ReportAccepted') },
            '200': { description: 'already stored earlier (duplicate: true); the runner marks it delivered', content: json('ReportAccepted') },
            '400': errorResponse('not a valid report (dead-lettered by the runner)'),
            '401': errorResponse('missing or wrong bearer token'),
            '409': errorResponse('error "duplicate_report": already have it (treated as delivered)'),
            '413': errorResponse('body too large (the reference server: over 16 MiB decompressed)'),
            '421': errorResponse('the Host header is not a name this server answers to'),
            '415': errorResponse('unsupported content type or encoding'),
            '422': errorResponse('error "created_in_future": createdAt is more than 5 minutes ahead of the server\'s clock (dead-lettered by the runner)'),
            '429': {
              description: 'slow down; retry after the Retry-After header',
              headers: { 'Retry-After': { description: 'seconds, or an HTTP date', schema: { type: 'string' } } },
              content: json('ApiError'),
            },
            '500': errorResponse('server error (retried)'),
            '503': {
              description: 'unavailable, or too many bodies in flight (retried after Retry-After)',
              headers: { 'Retry-After': { description: 'seconds', schema: { type: 'string' } } },
              content: json('ApiError'),
            },
          },
        },
      },
      '/v1/fleet': {
        get: {
          operationId: 'getFleet',
          summary: 'The fleet now: the newest snapshot of every package',
          description: 'Needs the read token when the server has one; open otherwise (loopback, or --public-read).',
          security: [{}, { readAuth: [] }, { readBasic: [] }],
          responses: {
            '200': { description: 'fleet state', content: json('FleetState') },
            '401': errorResponse('the server has a read token and the request did not carry it'),
          },
        },
      },
      '/v1/devices/{id}/history': {
        get: {
          operationId: 'getDeviceHistory',
          summary: "One package's state history",
          security: [{}, { readAuth: [] }, { readBasic: [] }],
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'package id' }],
          responses: {
            '200': { description: 'history, oldest first', content: json('DeviceHistory') },
            '401': errorResponse('the server has a read token and the request did not carry it'),
            '404': errorResponse('no report mentioned this package'),
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'the token set with jfleet config set api.token (or JFLEET_API_TOKEN)' },
        readAuth: { type: 'http', scheme: 'bearer', description: 'the read token (jfleet central serve --read-token, or JFLEET_CENTRAL_READ_TOKEN)' },
        readBasic: { type: 'http', scheme: 'basic', description: 'any user name, the read token as the password (what a browser prompts for)' },
      },
      schemas: componentSchemas(),
    },
  };
}

/** The committed file's exact text: stable key order, two-space indent, trailing newline. */
export function renderOpenApiDocument(): string {
  return JSON.stringify(buildOpenApiDocument(), null, 2) + '\n';
}
