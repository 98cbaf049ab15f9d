#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// Validates security messages (one JSON object per line) against their schema:
//   MessageSchemaVersion "1.0"          → the published ASC for IoT schema
//                                          (third_party/asc-schemas/security_message/schemas)
//   MessageSchemaVersion "edgesec/1.0"  → docs/schemas/edgesec-message.schema.json
//
// Usage: validate-messages.mjs [--quiet] [--report FILE] [FILE|- ...]   (no FILE: stdin)
//        validate-messages.mjs --self-test
//
// Every failing line is printed with its line number, the event Name(s) concerned and the
// error paths; the last line is "N passed, N failed".  Exit 0 when every line is a valid
// message, 1 when a line fails (or is not a JSON object), 2 on usage errors.
//
// --report FILE writes a JSON summary (messages per schema, event names per schema, AgentIds,
// and the event names each schema knows) for tests that assert more than validity.
//
// --self-test checks the validator itself: every "valid" sample of the ASC test file must pass
// and every "invalid" one must fail, and so must a set of broken variants of valid messages
// (bad date-time, bad IP address, wrong AgentId length, events in the wrong schema...).

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { fullFormats } from 'ajv-formats/dist/formats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const ASC_DIR = path.join(ROOT, 'third_party', 'asc-schemas', 'security_message');
const ASC_SCHEMAS = path.join(ASC_DIR, 'schemas');
const ASC_SAMPLES = path.join(ASC_DIR, 'tests', 'samples.json');
const EDGESEC_SCHEMA = path.join(ROOT, 'docs', 'schemas', 'edgesec-message.schema.json');

const ASC_VERSION = '1.0';
const EDGESEC_VERSION = 'edgesec/1.0';
const MAX_ERRORS_SHOWN = 12;

class UsageError extends Error {}

function readJson(file) {
	return JSON.parse(fs.readFileSync(file, 'utf8'));
}

// ajv-formats 2.x accepts a date-time without a time zone (ajv-validator/ajv-formats#54,
// fixed only in 3.x; the maintainer's advice is to redefine the format).  RFC 3339 section 5.6
// requires the offset ("Z" or "+hh:mm"), and so do we: TimestampLocal must carry its real one.
// A space instead of "T" is allowed (RFC 3339 5.6 note; the ASC samples use it).
const RFC3339_ZONE = /^\d{4}-\d\d-\d\d[Tt ]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)$/;
const baseDateTime = fullFormats['date-time'].validate;

function addStrictFormats(ajv) {
	addFormats(ajv);
	ajv.addFormat('date-time', (s) => RFC3339_ZONE.test(s) && baseDateTime(s));
}

// The ASC files use keywords ajv does not know ("boolean": [...]), hence strict: false there.
// Our own schema is compiled in strict mode.  Formats are checked in both: the ASC "ip" type
// is a oneOf of the ipv4 and ipv6 formats and means nothing without format checking.
function loadValidators() {
	const asc = new Ajv({ strict: false, allErrors: true });
	addStrictFormats(asc);
	const ascNames = new Set();
	const files = fs.readdirSync(ASC_SCHEMAS).filter((f) => /^message.*\.json$/.test(f)).sort();
	if (!files.includes('messageRoot.json'))
		throw new Error(`messageRoot.json not found in ${ASC_SCHEMAS}`);
	for (const f of files) {
		const schema = readJson(path.join(ASC_SCHEMAS, f));
		asc.addSchema(schema);
		for (const n of schema?.properties?.Name?.enum ?? [])
			ascNames.add(n);
	}
	const ours = new Ajv({ strict: true, allErrors: true });
	addStrictFormats(ours);
	const edgesecSchema = readJson(EDGESEC_SCHEMA);
	return {
		[ASC_VERSION]: asc.getSchema('messageRoot.json'),
		[EDGESEC_VERSION]: ours.compile(edgesecSchema),
		names: {
			[ASC_VERSION]: [...ascNames].sort(),
			[EDGESEC_VERSION]: [...edgesecSchema.definitions.eventName.enum].sort(),
		},
	};
}

// The event Name an error path points into ("/Events/3/Payload/0/..." → Events[3].Name).
function eventNameAt(msg, instancePath) {
	const m = /^\/Events\/(\d+)(\/|$)/.exec(instancePath);
	if (!m || !Array.isArray(msg?.Events))
		return null;
	const ev = msg.Events[Number(m[1])];
	return ev && typeof ev.Name === 'string' ? ev.Name : '(no Name)';
}

// Returns { ok, version, errors: [string] } for one parsed value.
function validateMessage(validators, msg) {
	if (msg === null || typeof msg !== 'object' || Array.isArray(msg))
		return { ok: false, errors: ['not a JSON object'] };
	const version = msg.MessageSchemaVersion;
	const validate = typeof version === 'string' ? validators[version] : undefined;
	if (typeof validate !== 'function')
		return {
			ok: false,
			version,
			errors: [`unknown MessageSchemaVersion ${JSON.stringify(version)}`],
		};
	if (validate(msg))
		return { ok: true, version, errors: [] };
	const errors = validate.errors.map((e) => {
		const name = eventNameAt(msg, e.instancePath);
		const where = e.instancePath || '/';
		const extra = e.params && Object.keys(e.params).length ? ` ${JSON.stringify(e.params)}` : '';
		return `${name ? `[${name}] ` : ''}${where}: ${e.message}${extra} (${e.schemaPath})`;
	});
	return { ok: false, version, errors };
}

function parseLine(text) {
	try {
		return { value: JSON.parse(text) };
	} catch (err) {
		return { error: `not JSON: ${err.message}` };
	}
}

function newReport(validators) {
	return {
		lines: 0,
		passed: 0,
		failed: 0,
		messages: { [ASC_VERSION]: 0, [EDGESEC_VERSION]: 0 },
		events: { [ASC_VERSION]: {}, [EDGESEC_VERSION]: {} },
		agentIds: [],
		schemaNames: validators.names,
	};
}

function record(report, msg, version) {
	if (!(version in report.messages))
		return;
	report.messages[version]++;
	for (const ev of Array.isArray(msg.Events) ? msg.Events : []) {
		const n = typeof ev?.Name === 'string' ? ev.Name : '(no Name)';
		report.events[version][n] = (report.events[version][n] ?? 0) + 1;
	}
	if (typeof msg.AgentId === 'string' && !report.agentIds.includes(msg.AgentId))
		report.agentIds.push(msg.AgentId);
}

function validateText(validators, text, label, report, quiet) {
	const lines = text.split('\n');
	if (lines.length && lines[lines.length - 1] === '')
		lines.pop(); // the newline that ends the last line
	lines.forEach((line, i) => {
		const where = `${label}:${i + 1}`;
		report.lines++;
		const parsed = line.trim() === '' ? { error: 'empty line' } : parseLine(line);
		const res = parsed.error ? { ok: false, errors: [parsed.error] }
					 : validateMessage(validators, parsed.value);
		if (res.ok) {
			report.passed++;
			record(report, parsed.value, res.version);
			return;
		}
		report.failed++;
		if (quiet)
			return;
		const names = Array.isArray(parsed.value?.Events)
			? [...new Set(parsed.value.Events.map((e) => e?.Name))].join(',') : '-';
		console.log(`FAIL ${where} (MessageSchemaVersion ${JSON.stringify(res.version)}, ` +
			    `events ${names}): ${res.errors.length} error(s)`);
		for (const e of res.errors.slice(0, MAX_ERRORS_SHOWN))
			console.log(`  ${e}`);
		if (res.errors.length > MAX_ERRORS_SHOWN)
			console.log(`  ... ${res.errors.length - MAX_ERRORS_SHOWN} more`);
	});
}

// ---- self-test ----

function clone(v) {
	return JSON.parse(JSON.stringify(v));
}

function sampleHeartbeat(ascSample) {
	const ev = ascSample.Events[0];
	return {
		AgentVersion: '0.1.0',
		AgentId: ascSample.AgentId,
		MessageSchemaVersion: EDGESEC_VERSION,
		Events: [{
			EventType: 'Operational',
			Category: 'Periodic',
			Name: 'Heartbeat',
			IsEmpty: false,
			PayloadSchemaVersion: '1.0',
			Id: ev.Id,
			TimestampLocal: '2024-05-01T12:00:00.123+02:00',
			TimestampUTC: '2024-05-01T10:00:00.123Z',
			Payload: [{
				UptimeSeconds: 5, RssKiB: 2000, PeakRssKiB: 2100, CpuUserMs: 3,
				CpuSystemMs: 1, HeapBytes: 7000, QueueHighEvents: 0, QueueHighBytes: 0,
				QueueLowEvents: 1, QueueLowBytes: 300, CacheLimitBytes: 2560000,
				AggregationEntries: 0, EventsCollected: 4, EventsDropped: 0,
				EventsTruncated: 0, MessagesSent: 2, MessagesFailed: 0,
				Collectors: [
					{ Name: 'ports', State: 'running', Events: 1, Items: 9, Runs: 1,
					  Errors: 0, Skipped: 0, Lost: 0 },
					{ Name: 'users', State: 'failed', Events: 0, Items: 0, Runs: 0,
					  Errors: 1, Skipped: 0, Lost: 0, LastError: 'init: EACCES' },
				],
				Output: 'stdout',
				ExtraDetails: { EventsFiltered: '0' },
			}],
		}],
	};
}

// [description, message, must pass]
function selfTestCases(samples) {
	const cases = [];
	samples.valid.forEach((m, i) => cases.push([`ASC sample valid[${i}]`, m, true]));
	samples.invalid.forEach((m, i) => cases.push([`ASC sample invalid[${i}]`, m, false]));

	const byName = (n) => samples.valid.find((m) => m.Events?.length === 1 &&
							   m.Events[0].Name === n);
	const base = byName('ProcessCreate');
	const conn = byName('ConnectionCreate');
	if (!base || !conn)
		throw new Error('samples.json lacks a ProcessCreate or ConnectionCreate message');
	const broken = (desc, from, change) => {
		const m = clone(from);
		change(m);
		cases.push([desc, m, false]);
	};
	broken('ASC: TimestampUTC not a date-time', base, (m) => {
		m.Events[0].TimestampUTC = 'yesterday';
	});
	broken('ASC: TimestampLocal without a zone', base, (m) => {
		m.Events[0].TimestampLocal = '2024-05-01T12:00:00';
	});
	broken('ASC: TimestampUTC with an hour offset only', base, (m) => {
		m.Events[0].TimestampUTC = '2024-05-01T12:00:00+02';
	});
	broken('ASC: TimestampUTC on 30 February', base, (m) => {
		m.Events[0].TimestampUTC = '2024-02-30T12:00:00Z';
	});
	broken('ASC: AgentId of 35 characters', base, (m) => {
		m.AgentId = m.AgentId.slice(1);
	});
	broken('ASC: unknown envelope property', base, (m) => {
		m.Extra = 1;
	});
	broken('ASC: no events', base, (m) => {
		m.Events = [];
	});
	broken('ASC: Category "Aggregated"', base, (m) => {
		m.Events[0].Category = 'Aggregated';
	});
	broken('ASC: ProcessId as a string', base, (m) => {
		m.Events[0].Payload[0].ProcessId = '42';
	});
	broken('ASC: integer in ExtraDetails', base, (m) => {
		m.Events[0].Payload[0].ExtraDetails = { HitCount: 3 };
	});
	broken('ASC: unknown payload property', base, (m) => {
		m.Events[0].Payload[0].Unknown = 'x';
	});
	broken('ASC: triggered event with IsEmpty true', base, (m) => {
		m.Events[0].IsEmpty = true;
		m.Events[0].Payload = [];
	});
	broken('ASC: RemoteAddress not an IP address', conn, (m) => {
		m.Events[0].Payload[0].RemoteAddress = '999.1.2.3';
	});
	broken('ASC: RemoteAddress a bad IPv6 address', conn, (m) => {
		m.Events[0].Payload[0].RemoteAddress = 'fe80::1::2';
	});
	const v6 = clone(conn);
	v6.Events[0].Payload[0].RemoteAddress = '2001:db8::1';
	cases.push(['ASC: RemoteAddress an IPv6 address', v6, true]);
	broken('ASC: an edgesec event in an ASC message', base, (m) => {
		m.Events.push(sampleHeartbeat(base).Events[0]);
	});

	const hb = sampleHeartbeat(base);
	cases.push(['edgesec: Heartbeat', hb, true]);
	const hbMin = clone(hb);
	hbMin.Events[0].Payload[0].Collectors = [];
	delete hbMin.Events[0].Payload[0].ExtraDetails;
	cases.push(['edgesec: Heartbeat without collectors or ExtraDetails', hbMin, true]);
	broken('edgesec: Heartbeat without UptimeSeconds', hb, (m) => {
		delete m.Events[0].Payload[0].UptimeSeconds;
	});
	broken('edgesec: negative counter', hb, (m) => {
		m.Events[0].Payload[0].EventsDropped = -1;
	});
	broken('edgesec: collector state "sleeping"', hb, (m) => {
		m.Events[0].Payload[0].Collectors[0].State = 'sleeping';
	});
	broken('edgesec: collector without Lost', hb, (m) => {
		delete m.Events[0].Payload[0].Collectors[0].Lost;
	});
	broken('edgesec: unknown Heartbeat field', hb, (m) => {
		m.Events[0].Payload[0].Temperature = 40;
	});
	broken('edgesec: ExtraDetails value not a string', hb, (m) => {
		m.Events[0].Payload[0].ExtraDetails.EventsFiltered = 0;
	});
	broken('edgesec: bad TimestampUTC', hb, (m) => {
		m.Events[0].TimestampUTC = '2024-13-01T00:00:00Z';
	});
	broken('edgesec: Heartbeat as Triggered', hb, (m) => {
		m.Events[0].Category = 'Triggered';
	});
	broken('edgesec: IsEmpty true with a payload', hb, (m) => {
		m.Events[0].IsEmpty = true;
	});
	broken('edgesec: an ASC event in an edgesec message', hb, (m) => {
		m.Events.push(base.Events[0]);
	});
	broken('edgesec: MessageSchemaVersion "1.0" on a Heartbeat', hb, (m) => {
		m.MessageSchemaVersion = ASC_VERSION;
	});
	broken('edgesec: unknown MessageSchemaVersion', hb, (m) => {
		m.MessageSchemaVersion = 'edgesec/2.0';
	});
	broken('edgesec: unknown envelope property', hb, (m) => {
		m.HubResourceId = '';
	});
	return cases;
}

function selfTest(validators) {
	const samples = readJson(ASC_SAMPLES);
	if (!Array.isArray(samples.valid) || !Array.isArray(samples.invalid) ||
	    !samples.valid.length || !samples.invalid.length)
		throw new Error(`${ASC_SAMPLES}: expected non-empty "valid" and "invalid" arrays`);
	let passed = 0, failed = 0;
	for (const [desc, msg, mustPass] of selfTestCases(samples)) {
		// ASC samples without a usable MessageSchemaVersion are checked against the ASC
		// root directly, as the sample file intends.
		const direct = desc.startsWith('ASC sample') &&
			       (msg?.MessageSchemaVersion === undefined || typeof msg !== 'object');
		let res;
		if (direct) {
			const ok = validators[ASC_VERSION](msg);
			res = { ok, errors: ok ? [] : ['rejected by messageRoot.json'] };
		} else {
			res = validateMessage(validators, msg);
		}
		if (res.ok === mustPass) {
			passed++;
			continue;
		}
		failed++;
		console.log(`SELF-TEST FAIL: ${desc}: expected ${mustPass ? 'valid' : 'invalid'}, ` +
			    `got ${res.ok ? 'valid' : 'invalid'}`);
		for (const e of res.errors.slice(0, MAX_ERRORS_SHOWN))
			console.log(`  ${e}`);
	}
	console.log(`self-test: ${passed} passed, ${failed} failed`);
	return failed ? 1 : 0;
}

// ---- main ----

function parseArgs(argv) {
	const opts = { files: [], quiet: false, report: null, selfTest: false };
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--self-test')
			opts.selfTest = true;
		else if (a === '--quiet' || a === '-q')
			opts.quiet = true;
		else if (a === '--report') {
			if (i + 1 >= argv.length)
				throw new UsageError('--report needs a file name');
			opts.report = argv[++i];
		} else if (a === '--help' || a === '-h') {
			opts.help = true;
		} else if (a.startsWith('-') && a !== '-')
			throw new UsageError(`unknown option ${a}`);
		else
			opts.files.push(a);
	}
	if (opts.selfTest && opts.files.length)
		throw new UsageError('--self-test takes no files');
	return opts;
}

function usage(stream) {
	stream.write('Usage: validate-messages.mjs [--quiet] [--report FILE] [FILE|- ...]\n' +
		     '       validate-messages.mjs --self-test\n' +
		     'Validates JSON Lines security messages against the ASC for IoT schema\n' +
		     '(MessageSchemaVersion "1.0") or edgesec\'s own ("edgesec/1.0").\n' +
		     'Exit: 0 all valid, 1 some line invalid, 2 usage error.\n');
}

function main() {
	let opts;
	try {
		opts = parseArgs(process.argv.slice(2));
	} catch (err) {
		if (!(err instanceof UsageError))
			throw err;
		process.stderr.write(`validate-messages: ${err.message}\n`);
		usage(process.stderr);
		return 2;
	}
	if (opts.help) {
		usage(process.stdout);
		return 0;
	}
	const validators = loadValidators();
	if (opts.selfTest)
		return selfTest(validators);

	const inputs = opts.files.length ? opts.files : ['-'];
	const texts = [];
	for (const f of inputs) {
		try {
			texts.push([f === '-' ? '<stdin>' : f, fs.readFileSync(f === '-' ? 0 : f, 'utf8')]);
		} catch (err) {
			process.stderr.write(`validate-messages: cannot read ${f}: ${err.message}\n`);
			return 2;
		}
	}
	const report = newReport(validators);
	for (const [label, text] of texts)
		validateText(validators, text, label, report, opts.quiet);
	console.log(`${report.passed} passed, ${report.failed} failed`);
	if (opts.report)
		fs.writeFileSync(opts.report, JSON.stringify(report, null, 2) + '\n');
	return report.failed ? 1 : 0;
}

process.exitCode = main();
