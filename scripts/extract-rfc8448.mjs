#!/usr/bin/env node
// Extracts the labelled hex values of RFC 8448 (Example Handshake Traces for TLS 1.3) into
// committed JSON under test/vectors/, so tests never read the RFC text at run time.
//
//   node scripts/extract-rfc8448.mjs          writes test/vectors/rfc8448-{simple,resumption,hrr}.json
//   node scripts/extract-rfc8448.mjs --check  fails if the committed files differ from a fresh extraction
//
// Input: ../shared/specs/rfc8448.txt relative to the repository root.
//
// Output format (one file per section):
//   {
//     source, section, title,
//     entries: [ { label, actor, step, field, hex } ... ]   every value of the section, in RFC order;
//                                                           label = "<actor> <step>: <field>"
//     values:  { "<readable name>": hex, ... }             the same values under semantic names
//                                                           ("client handshake traffic secret",
//                                                           "server handshake write key", "server ServerHello",
//                                                           "transcript hash through ServerHello", ...)
//     records: [ { sender, type, payload, record, epoch, seq } ... ]  every record sent, with the write
//                                                           epoch that protects it ("plaintext", "early",
//                                                           "handshake", "application") and its sequence
//                                                           number in that epoch; keys are
//                                                           values["<sender> <epoch> write key" / "... write iv"]
//   }
// A name that occurs again with a different value gets a suffix " #2", " #3" (e.g. the second ClientHello
// after a HelloRetryRequest). Every value's byte count is checked against the "(N octets)" in the RFC.
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const rfcPath = join(repoRoot, '..', 'shared', 'specs', 'rfc8448.txt');
const outDir = join(repoRoot, 'test', 'vectors');

const SECTIONS = [
  { number: 3, file: 'rfc8448-simple.json' },
  { number: 4, file: 'rfc8448-resumption.json' },
  { number: 5, file: 'rfc8448-hrr.json' },
];

function fail(message) {
  console.error(`extract-rfc8448: ${message}`);
  process.exit(1);
}

/** The RFC text without page footers/headers and form feeds. */
function cleanLines(text) {
  return text
    .replace(/\f/g, '')
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l) => !/^Thomson\s+Informational\s+\[Page \d+\]$/.test(l) && !/^RFC 8448\s+TLS 1\.3 Traces\s+January 2019$/.test(l));
}

/** Lines of section `n` (from its heading to the next top-level heading). */
function sectionLines(lines, n) {
  const start = lines.findIndex((l) => new RegExp(`^${n}\\.  \\S`).test(l));
  if (start < 0) fail(`section ${n} not found`);
  let end = lines.findIndex((l, i) => i > start && /^\d+\.  \S/.test(l));
  if (end < 0) end = lines.length;
  return { title: lines[start].replace(/^\d+\.\s+/, ''), lines: lines.slice(start + 1, end) };
}

const STEP = /^   \{(client|server)\}  (.*)$/;
const VALUE = /^      (\S.*?) \((\d+) octets?\):\s*(.*)$/;
const HEX_LINE = /^\s+([0-9a-f]{2}( [0-9a-f]{2})*)$/;

/** Parses a section into steps: { actor, step, values: [{ field, hex }] }. */
function parseSteps(lines) {
  const steps = [];
  let i = 0;
  while (i < lines.length) {
    const m = STEP.exec(lines[i]);
    if (!m) {
      i++;
      continue;
    }
    let step = m[2];
    i++;
    // A step heading may wrap onto following non-blank lines (e.g. "(same as server handshake\n secret)").
    while (i < lines.length && lines[i] !== '' && !VALUE.test(lines[i]) && !STEP.test(lines[i])) {
      step += ' ' + lines[i].trim();
      i++;
    }
    step = step.replace(/:$/, '');
    const values = [];
    while (i < lines.length && !STEP.test(lines[i])) {
      const v = VALUE.exec(lines[i]);
      if (!v) {
        i++;
        continue;
      }
      const [, field, octets, first] = v;
      let hex = first === '(empty)' ? '' : first;
      i++;
      // Continuation lines (possibly across a page break, which leaves blank lines).
      for (;;) {
        let j = i;
        while (j < lines.length && lines[j] === '') j++;
        if (j < lines.length && HEX_LINE.test(lines[j]) && !VALUE.test(lines[j]) && lines[j].startsWith('         ')) {
          hex += ' ' + lines[j].trim();
          i = j + 1;
        } else break;
      }
      hex = hex.replace(/\s+/g, '');
      if (!/^([0-9a-f]{2})*$/.test(hex)) fail(`bad hex in ${step} / ${field}`);
      if (hex.length / 2 !== Number(octets)) fail(`${step} / ${field}: ${hex.length / 2} bytes, RFC says ${octets}`);
      values.push({ field, hex });
    }
    steps.push({ actor: m[1], step, values });
  }
  return steps;
}

const SECRET_NAMES = {
  'c e traffic': ['client early traffic secret', 'transcript hash through ClientHello'],
  'e exp master': ['early exporter master secret', 'transcript hash through ClientHello'],
  'c hs traffic': ['client handshake traffic secret', 'transcript hash through ServerHello'],
  's hs traffic': ['server handshake traffic secret', 'transcript hash through ServerHello'],
  'c ap traffic': ['client application traffic secret 0', 'transcript hash through server Finished'],
  's ap traffic': ['server application traffic secret 0', 'transcript hash through server Finished'],
  'exp master': ['exporter master secret', 'transcript hash through server Finished'],
  'res master': ['resumption master secret', 'transcript hash through client Finished'],
};
const EPOCH = { 'early application': 'early', handshake: 'handshake', application: 'application' };
const peer = (actor) => (actor === 'client' ? 'server' : 'client');

/** Semantic name for one value, or null when it has none (it stays in `entries`). */
function semanticName(actor, step, field) {
  let m;
  if ((m = /^create an ephemeral (\S+) key pair$/.exec(step))) {
    if (field === 'private key' || field === 'public key') return `${actor} ${m[1]} ${field}`;
  }
  if ((m = /^construct an? (\S+) handshake message$/.exec(step)) && field === m[1]) return `${actor} ${m[1]}`;
  if ((m = /^extract secret "(early|handshake|master)"$/.exec(step))) {
    if (field === 'secret') return `${m[1]} secret`;
    if (field === 'IKM' && m[1] === 'early') return 'early secret IKM (PSK or zeros)';
    if (field === 'IKM' && m[1] === 'handshake') return '(EC)DHE shared secret';
  }
  if ((m = /^derive secret for (handshake|master) "tls13 derived"$/.exec(step))) {
    if (field === 'expanded') return `derived secret for ${m[1]}`;
    if (field === 'hash') return 'empty transcript hash';
  }
  if ((m = /^derive secret "tls13 (.+)"$/.exec(step)) && SECRET_NAMES[m[1]]) {
    if (field === 'expanded') return SECRET_NAMES[m[1]][0];
    if (field === 'hash') return SECRET_NAMES[m[1]][1];
  }
  if ((m = /^derive (write|read) traffic keys for (early application|handshake|application) data$/.exec(step))) {
    const owner = m[1] === 'write' ? actor : peer(actor);
    const epoch = EPOCH[m[2]];
    if (field === 'key expanded') return `${owner} ${epoch} write key`;
    if (field === 'iv expanded') return `${owner} ${epoch} write iv`;
  }
  if (step === 'calculate finished "tls13 finished"') {
    if (field === 'expanded') return `${actor} finished key`;
    if (field === 'finished') return `${actor} finished verify_data`;
  }
  if (step === 'calculate PSK binder') {
    if (field === 'ClientHello prefix') return `${actor} ClientHello prefix (truncated for binder)`;
    if (field === 'binder hash') return 'binder transcript hash';
    if (field === 'PRK') return 'binder key';
    if (field === 'expanded') return 'binder finished key';
    if (field === 'finished') return 'PSK binder';
  }
  if (step === 'generate resumption secret "tls13 resumption"') {
    if (field === 'expanded') return 'resumption PSK';
    if (field === 'hash') return 'ticket nonce';
  }
  return null;
}

function extract(section) {
  const steps = parseSteps(section.lines);
  const entries = [];
  const values = {};
  const records = [];
  const epochOf = { client: { epoch: 'plaintext', seq: 0 }, server: { epoch: 'plaintext', seq: 0 } };
  for (const { actor, step, values: vals } of steps) {
    // Write epochs: a "derive write traffic keys" step (with or without values) switches the sender's keys.
    const w = /^derive write traffic keys for (early application|handshake|application) data/.exec(step);
    if (w) epochOf[actor] = { epoch: EPOCH[w[1]], seq: 0 };
    for (const { field, hex } of vals) {
      entries.push({ label: `${actor} ${step}: ${field}`, actor, step, field, hex });
      const name = semanticName(actor, step, field);
      if (name === null) continue;
      let key = name;
      for (let n = 2; values[key] !== undefined && values[key] !== hex; n++) key = `${name} #${n}`;
      values[key] = hex;
    }
    const r = /^send (handshake|application_data|alert) record$/.exec(step);
    if (r) {
      const payload = vals.find((v) => v.field === 'payload');
      const record = vals.find((v) => v.field === 'complete record');
      if (!payload || !record) fail(`record without payload/complete record in step "${step}"`);
      const state = epochOf[actor];
      // The outer type is handshake(22) for plaintext records and application_data(23) when protected.
      const outer = parseInt(record.hex.slice(0, 2), 16);
      if ((state.epoch === 'plaintext') !== (outer !== 23)) fail(`record epoch mismatch in ${actor} ${step}`);
      records.push({ sender: actor, type: r[1], payload: payload.hex, record: record.hex, epoch: state.epoch, seq: state.seq });
      if (state.epoch !== 'plaintext') state.seq++;
    }
  }
  return { entries, values, records, unnamed: entries.length - Object.keys(values).length };
}

const text = readFileSync(rfcPath, 'utf8');
const lines = cleanLines(text);
const check = process.argv.includes('--check');
let stale = false;
mkdirSync(outDir, { recursive: true });
for (const { number, file } of SECTIONS) {
  const section = sectionLines(lines, number);
  const { entries, values, records } = extract(section);
  const out = {
    source: 'RFC 8448 (Example Handshake Traces for TLS 1.3)',
    section: number,
    title: section.title,
    generatedBy: 'scripts/extract-rfc8448.mjs',
    entries,
    values,
    records,
  };
  const json = JSON.stringify(out, null, 1) + '\n';
  const path = join(outDir, file);
  if (check) {
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing counts as stale
    }
    if (current !== json) {
      console.error(`${file} is stale`);
      stale = true;
    }
  } else {
    writeFileSync(path, json);
  }
  console.log(`§${number} ${section.title}: ${entries.length} values, ${Object.keys(values).length} named, ${records.length} records -> test/vectors/${file}`);
}
if (stale) process.exit(1);
