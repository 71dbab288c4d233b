import { App, Stack } from 'aws-cdk-lib';

/**
 * Baseline for bench/synth.ts: one empty stack, run exactly like the app (same CLI, cdk.json flags
 * and launcher: `node bin/run.js bench/empty-app.ts`).
 */
export function main(): void {
  const app = new App();
  new Stack(app, 'EmptyStack', { env: { account: '111111111111', region: 'us-east-1' } });
  app.synth();
}

if (require.main === module) main();
