/*
 * The smoke test of a deployed environment (the deploy workflow runs it after the last stack):
 *
 *   npm run -s smoke-test -- -c config=<file.json> [--summary <file>] [--deadline-seconds 600]
 *
 * Needs read-only AWS credentials (Route 53, CloudWatch in us-east-1) and HTTPS to both regional
 * names. Prints a Markdown table (appended to --summary too); exits 0 when every check passes,
 * 1 when one fails, 2 on a usage or config error.
 */
import * as fs from 'node:fs';
import { ConfigError, loadConfig, parseConfigArg } from '../lib/config';
import { defaultSmokeDeps, renderSmokeResults, runSmokeTest, smokePlan } from '../lib/delivery/smoke-test';

function option(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

async function main(argv: readonly string[]): Promise<number> {
  const deadline = option(argv, '--deadline-seconds');
  if (deadline !== undefined && !/^\d+$/.test(deadline)) {
    console.error(`--deadline-seconds = ${deadline}: must be a whole number of seconds`);
    return 2;
  }
  let config;
  try {
    config = loadConfig({ configFile: parseConfigArg(argv).configFile }).config;
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    console.error(e.message);
    return 2;
  }
  const results = await runSmokeTest(smokePlan(config), defaultSmokeDeps(), {
    deadlineMs: deadline === undefined ? undefined : Number(deadline) * 1000,
  });
  const text = renderSmokeResults(results);
  process.stdout.write(text);
  const summary = option(argv, '--summary');
  if (summary) fs.appendFileSync(summary, text);
  return results.every((r) => r.pass) ? 0 : 1;
}

void main(process.argv.slice(2)).then((code) => (process.exitCode = code));
