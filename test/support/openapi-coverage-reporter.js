/**
 * Jest reporter: sums up what the OpenAPI contract check (test/support/openapi-contract.ts) saw
 * in this run: operations and (operation, status, content type) triples the document promises
 * against those real responses hit. Writes test-output/openapi-coverage/summary.json.
 */
const { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const DIR = join(__dirname, '..', '..', 'test-output', 'openapi-coverage');
const lines = (prefix) =>
  existsSync(DIR)
    ? readdirSync(DIR)
        .filter((name) => name.startsWith(prefix))
        .flatMap((name) => readFileSync(join(DIR, name), 'utf8').split('\n'))
        .filter(Boolean)
    : [];
const operationOf = (triple) => triple.split(' ').slice(0, 2).join(' ');

class OpenApiCoverageReporter {
  onRunStart() {
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(DIR, { recursive: true });
  }

  onRunComplete() {
    const promised = new Set(lines('document-'));
    const seen = new Set(lines('covered-'));
    if (seen.size === 0) return;
    const covered = [...seen].filter((triple) => promised.has(triple));
    const operations = new Set([...promised].map(operationOf));
    const operationsHit = new Set(covered.map(operationOf));
    const summary = {
      operations: { documented: operations.size, covered: operationsHit.size },
      triples: { documented: promised.size, covered: covered.length },
      undocumented_routes_answered: [...seen].filter((key) => key.startsWith('(undocumented)')),
      operations_not_covered: [...operations].filter((op) => !operationsHit.has(op)).sort(),
      triples_covered: covered.sort(),
    };
    writeFileSync(join(DIR, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    process.stdout.write(
      `\nOpenAPI contract: ${operationsHit.size}/${operations.size} operations, ` +
        `${covered.length}/${promised.size} (operation, status, content type) checked against real responses` +
        ` (test-output/openapi-coverage/summary.json)\n`,
    );
  }
}

module.exports = OpenApiCoverageReporter;
