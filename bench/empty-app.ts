import { App, Stack } from 'aws-cdk-lib';

// Baseline for bench/synth.ts: one empty stack, run exactly like the app (same CLI, cdk.json flags
// and runner: cdk.json's `app` command with this file in place of bin/app.ts).
const app = new App();
new Stack(app, 'EmptyStack', { env: { account: '111111111111', region: 'us-east-1' } });
app.synth();
