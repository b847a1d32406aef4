// Writes the generated OpenAPI document to openapi/jfleet-central.v1.json (`npm run openapi`,
// after the build). A dev tool that writes into the repository, so it lives here and not in the
// shipped CLI; test/report/openapi.test.ts fails when the committed file and the schemas differ.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OPENAPI_FILE, renderOpenApiDocument } from '../dist/report/openapi.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const file = join(ROOT, OPENAPI_FILE);
mkdirSync(dirname(file), { recursive: true });
writeFileSync(file, renderOpenApiDocument());
console.log(`wrote ${file}`);
