import { App, Stack } from 'aws-cdk-lib';

// Baseline for bench/synth.ts: the same CLI, runner and cdk.json flags, one empty stack.
const app = new App();
new Stack(app, 'EmptyStack', { env: { account: '111111111111', region: 'us-east-1' } });
app.synth();
