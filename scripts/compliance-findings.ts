#!/usr/bin/env node
/**
 * npm run compliance:findings [-- --list | --markdown] [config=<file>]
 *
 * Synthesizes the app offline (in this process, validation plugins off) and runs cdk-nag's
 * compliance packs over it, printing per pack the unacknowledged findings (one finding = one rule
 * on one resource) and the acknowledged ones; --list names each. docs/compliance.md quotes these
 * numbers, and its acknowledgement table is this command's --markdown output. Exit code 1 when a finding is unacknowledged (`npm run check` and `npm test` are the
 * gates; this is the readable count).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../lib/app-builder';
import { acknowledgementTable, COMPLIANCE_PACKS, evaluateCompliancePack } from '../lib/checks/compliance';
import { loadConfig } from '../lib/config';
import { cdkJsonContext } from './cdk-json';

const args = process.argv.slice(2);
const list = args.includes('--list');
const markdown = args.includes('--markdown');
const configArg = args.find((a) => a.startsWith('config='));

const { config } = loadConfig({ configFile: configArg?.slice('config='.length), env: process.env });
const app = new App({
  outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'compliance-')),
  context: cdkJsonContext(),
});
buildApp({ app, config, validations: false });
app.synth();
let open = 0;
const results = COMPLIANCE_PACKS.map((Pack) => ({
  name: new Pack().name,
  ...evaluateCompliancePack(Pack, app),
}));
for (const { name, findings, acknowledged } of results) {
  open += findings.length;
  if (!markdown)
    console.log(`${name}: ${findings.length} unacknowledged, ${acknowledged.length} acknowledged`);
  if (list) {
    for (const f of findings)
      console.log(`  OPEN ${f.ruleId} ${f.constructPath}${f.error ? ` (${f.error})` : ''}`);
    for (const a of acknowledged) console.log(`  ACK  ${a.ruleId} ${a.constructPath}`);
  }
}
if (markdown) process.stdout.write(acknowledgementTable(results.flatMap((r) => r.acknowledged)));
fs.rmSync(app.outdir, { recursive: true, force: true });
process.exitCode = open > 0 ? 1 : 0;
