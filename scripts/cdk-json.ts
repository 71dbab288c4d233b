import * as fs from 'node:fs';
import * as path from 'node:path';

/** The context `cdk synth` applies from cdk.json (feature flags): a script that synthesizes in-process must use it too. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'cdk.json'), 'utf8')) as {
    context?: Record<string, unknown>;
  };
  return { ...cdkJson.context };
}
