/**
 * Where the central API is and how to reach it: config keys api.url, api.token, api.caFile
 * (overridden by JFLEET_API_URL, JFLEET_API_TOKEN, JFLEET_API_CA_FILE). The token is read
 * here and handed only to the HTTP client; nothing prints it.
 */
import { resolve } from 'node:path';
import type { Context } from '../context.js';
import { UserError } from '../errors.js';
import type { ApiConfig } from './client.js';
import { normaliseBase } from './client.js';

export async function resolveApiConfig(ctx: Pick<Context, 'env' | 'cwd' | 'config'>): Promise<ApiConfig> {
  const cfg = ctx.config();
  const url = cfg.api?.url;
  if (!url) {
    throw new UserError('no central API configured', {
      hint: { kind: 'api-url-missing' },
    });
  }
  normaliseBase(url); // a URL with user:password@ is refused here, before anything is queued
  const token = cfg.api?.token;
  if (!token) {
    throw new UserError('no central API token configured', { hint: { kind: 'api-token-missing' } });
  }
  const timeout = Number(ctx.env.JFLEET_API_TIMEOUT_MS);
  return {
    url,
    token,
    caFile: cfg.api?.caFile ? resolve(ctx.cwd, cfg.api.caFile) : undefined,
    timeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : undefined,
  };
}
