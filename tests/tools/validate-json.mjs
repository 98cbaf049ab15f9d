#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// Validates one JSON document (the output of an edgesec command: baseline -f json,
// scan-manifest -f json) against a JSON Schema (draft-07, strict mode, formats checked).
//
// Usage: validate-json.mjs SCHEMA [FILE|-]   (no FILE: stdin)
// Prints every error with its path; exit 0 valid, 1 invalid (or not JSON), 2 usage errors.

import fs from 'node:fs';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';

const [schemaPath, file = '-'] = process.argv.slice(2);
if (!schemaPath) {
	console.error('usage: validate-json.mjs SCHEMA [FILE|-]');
	process.exit(2);
}
let schema;
try {
	schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
} catch (err) {
	console.error(`cannot read the schema ${schemaPath}: ${err.message}`);
	process.exit(2);
}
const ajv = new Ajv({ strict: true, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

let doc;
try {
	doc = JSON.parse(fs.readFileSync(file === '-' ? 0 : file, 'utf8'));
} catch (err) {
	console.error(`not JSON: ${err.message}`);
	process.exit(1);
}
if (validate(doc)) {
	console.log('valid');
	process.exit(0);
}
for (const e of validate.errors.slice(0, 20)) {
	const extra = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
	console.log(`${e.instancePath || '/'}: ${e.message}${extra} (${e.schemaPath})`);
}
process.exit(1);
