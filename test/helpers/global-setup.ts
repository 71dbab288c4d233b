import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_APP_ENV, synthApp } from './app';

/**
 * Runs once before the test workers start, which inherit this environment:
 * - every temporary directory of the run (the cloud assemblies of each synth, the tests' own
 *   mkdtemp) goes under one directory that globalTeardown removes, so `npm test` leaves nothing;
 * - the AWS SDK's notice that its releases after January 2027 need Node 22 is turned off (its
 *   documented switch): the SDK is pinned in package-lock.json and Node 20 is still supported by
 *   the releases it pins; the README says when to move (Quick start);
 * - the default app is synthesized once, for the tests that only read its templates
 *   (`defaultApp()` in app.ts): jest gives each test file its own module registry, so a cache in
 *   a module would not outlive the file, and a full synth (with the Lambdas' bundling) costs
 *   seconds each time.
 */
export default function globalSetup(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ha-ref-jest-'));
  process.env.HA_REF_TEST_TMPDIR = dir;
  process.env.TMPDIR = dir;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  process.env[DEFAULT_APP_ENV] = synthApp().assembly.directory;
}
