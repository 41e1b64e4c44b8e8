// Fails when src/api/schema.d.ts no longer matches ../openapi/openapi.json (run `npm run gen:client`).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';

const root = new URL('..', import.meta.url);
const spec = new URL('../openapi/openapi.json', root);
const committed = readFileSync(fileURLToPath(new URL('src/api/schema.d.ts', root)), 'utf8');
const fresh = astToString(await openapiTS(spec));
const strip = (s) => s.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();
if (strip(fresh) !== strip(committed)) {
  console.error('src/api/schema.d.ts is stale against openapi/openapi.json: run `npm run gen:client` and commit it.');
  process.exit(1);
}
console.log('API client types match openapi/openapi.json');
