import type { SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { canIsolateNetwork, runOfflineCdk } from '../helpers/offline-cdk';

/**
 * The promise to users: `npm run synth` works on a fresh machine with no AWS account,
 * credentials or network, and every policy finding is fixed or acknowledged. This runs the real
 * CLI (cdk.json context, built-in CloudFormation validation, cdk-nag and the resilience pack)
 * inside a network namespace with no interfaces when the machine allows it.
 */
let result: SpawnSyncReturns<string>;
let outdir: string;
beforeAll(() => {
  outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'offline-synth-'));
  result = runOfflineCdk(['synth', '--quiet', '-o', outdir]);
}, 180_000);
afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

test('GIVEN no credentials and no network WHEN the CLI synthesizes THEN it succeeds', () => {
  if (!canIsolateNetwork) console.warn('unshare -rn unavailable: ran without network isolation');
  expect({ status: result.status, stderr: String(result.stderr).slice(-4000) }).toEqual({
    status: 0,
    stderr: expect.any(String),
  });
});

test('THEN every stack template is written', () => {
  const templates = fs
    .readdirSync(outdir)
    .filter((f) => f.endsWith('.template.json'))
    .sort();
  expect(templates).toEqual([
    'ha-ref-global-monitoring.template.json',
    'ha-ref-keys-us-west-2.template.json',
    'ha-ref-primary.template.json',
    'ha-ref-secondary.template.json',
  ]);
});

test('THEN no policy finding (cdk-nag, resilience pack, CloudFormation validator) is left unacknowledged', () => {
  const output = `${String(result.stdout)}\n${String(result.stderr)}`;
  expect(output).not.toMatch(/\b(ERROR|WARNING)\b/);
  const report = JSON.parse(fs.readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
  const failing = (report.pluginReports ?? []).filter(
    (r: { summary?: { status?: string } }) => r.summary?.status !== 'success',
  );
  expect(failing).toEqual([]);
});
