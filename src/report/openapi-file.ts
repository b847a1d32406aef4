/**
 * Writes the generated OpenAPI document to openapi/jfleet-central.v1.json (`npm run openapi`).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeAtomic } from '../atomic-file.js';
import { OPENAPI_FILE, renderOpenApiDocument } from './openapi.js';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export function writeOpenApiFile(root = REPO_ROOT): string {
  const file = join(root, OPENAPI_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeAtomic(file, renderOpenApiDocument());
  return file;
}
