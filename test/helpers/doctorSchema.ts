// Validates doctor reports against the documented JSON Schema (docs/doctor-report.schema.json) with ajv.
import Ajv, { type ErrorObject } from 'ajv';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const SCHEMA = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'doctor-report.schema.json'), 'utf8'));

const ajv = new Ajv({
  strict: true,
  allErrors: true,
  allowUnionTypes: true,
  // The if/then rules name properties defined beside them, which strictRequired cannot see.
  strictRequired: false,
  formats: {
    'date-time': (s: string) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(s) && !Number.isNaN(Date.parse(s)),
    uri: (s: string) => /^https:\/\/[^\s]+$/.test(s),
  },
});
const validate = ajv.compile(SCHEMA);

/** Empty when the report matches the schema; otherwise one line per violation. */
export function schemaErrors(report: unknown): string[] {
  if (validate(report)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`);
}
