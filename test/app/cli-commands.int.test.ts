import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runOfflineCdk } from '../helpers/offline-cdk';

/**
 * The CLI commands besides a full synth that the README and the deploy workflow run. The CLI
 * bundles assets only for the stacks a command acts on (none for `cdk ls` or `cdk destroy`, one for
 * `cdk deploy --exclusively`); the others synthesize with unbundled placeholders, and the app must
 * still build.
 */
const STACKS = ['ha-ref-keys-us-west-2', 'ha-ref-primary', 'ha-ref-secondary', 'ha-ref-global-monitoring'];

const made: string[] = [];
afterAll(() => made.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

test('GIVEN no credentials WHEN `cdk ls` runs (no stack bundled) THEN it lists the four stacks', () => {
  // Its own outdir: `cdk ls` writes an unbundled assembly, which must not replace cdk.out.
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk-ls-'));
  made.push(outdir);
  const run = runOfflineCdk(['ls', '-o', outdir]);
  expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toEqual({
    status: 0,
    stderr: expect.any(String),
  });
  expect(run.stdout.split('\n').filter((l) => l.trim() !== '')).toEqual(STACKS);
});

test('GIVEN one stack selected as the failover order and the deploy workflow select it (--exclusively) THEN synth succeeds and that stack gets its real bundles', () => {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'exclusively-'));
  made.push(outdir);
  const run = runOfflineCdk(['synth', '--exclusively', 'ha-ref-secondary', '--quiet', '-o', outdir]);
  expect({ status: run.status, stderr: run.stderr.slice(-2000) }).toEqual({
    status: 0,
    stderr: expect.any(String),
  });
  const filesOf = (stack: string) =>
    Object.values(
      (
        JSON.parse(fs.readFileSync(path.join(outdir, `${stack}.assets.json`), 'utf8')) as {
          files: Record<string, { displayName?: string; source: { path: string; packaging: string } }>;
        }
      ).files,
    );
  // The selected stack: the service as the one .js file the boot runs with node.
  const service = filesOf('ha-ref-secondary').find((f) => f.displayName === 'ServiceBundle/Asset');
  expect(service?.source).toEqual({
    path: expect.stringMatching(/^asset\.[0-9a-f]{64}\.js$/),
    packaging: 'file',
  });
  expect(fs.statSync(path.join(outdir, service!.source.path)).size).toBeGreaterThan(100_000);
  // Another stack: a placeholder (never uploaded by this command).
  const placeholder = filesOf('ha-ref-primary').find((f) => f.displayName === 'ServiceBundle/Asset');
  expect(placeholder?.source.packaging).toBe('zip');
});
