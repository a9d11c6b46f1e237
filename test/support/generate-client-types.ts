/**
 * `node -r ts-node/register/transpile-only test/support/generate-client-types.ts openapi.json api.d.ts`:
 * openapi-typescript 7 (Node API) types for a document, with file parts (`format: binary`) typed as
 * Blob, as openapi-fetch sends them. A script of its own: openapi-typescript's dependencies are ES
 * modules that Jest's module loader cannot require.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import openapiTS, { astToString } from 'openapi-typescript';

async function generate(input: string, output: string): Promise<void> {
  const blob = ts.factory.createTypeReferenceNode('Blob');
  const ast = await openapiTS(JSON.parse(readFileSync(input, 'utf8')), {
    transform: (schema) => (schema.format === 'binary' ? blob : undefined),
  });
  writeFileSync(output, astToString(ast));
}

generate(process.argv[2], process.argv[3]).catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
