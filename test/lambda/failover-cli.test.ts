import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { main, parseArgs } from '../../scripts/failover';

const lambdaMock = mockClient(LambdaClient);
// The SDK types Payload as a blob adapter; a plain Uint8Array is what the client decodes at run time.
const encode = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)) as never;

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (l) => out.push(l), err: (l) => err.push(l), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeEach(() => lambdaMock.reset());

/** Answers every Invoke with `report` and records the region of the client that sent it. */
function answerWith(report: Record<string, unknown>): { region: string } {
  const seen = { region: '' };
  lambdaMock.on(InvokeCommand).callsFake(async (_input, getClient) => {
    seen.region = await getClient().config.region();
    return { StatusCode: 200, Payload: encode(report) };
  });
  return seen;
}

describe('failover CLI', () => {
  test('GIVEN --unplanned --dry-run WHEN parsed THEN the request says so and targets DR', () => {
    expect(parseArgs(['--unplanned', '--dry-run'])).toEqual({
      request: { mode: 'unplanned', dryRun: true, target: 'dr' },
    });
    expect(parseArgs(['--planned', '--target=primary', '-c', 'config=x.json'])).toEqual({
      request: { mode: 'planned', dryRun: false, target: 'primary' },
      configFile: 'x.json',
    });
  });

  test.each([
    [[], /say which: --planned .* or --unplanned/],
    [['--planned', '--unplanned'], /exactly one of --planned or --unplanned/],
    [['--planned', '--target', 'eu'], /--target must be "dr" or "primary", got "eu"/],
    [['--planned', '--force'], /unknown argument "--force"/],
    [['--planned', '-c'], /-c takes config=<file\.json>, as for cdk \(got nothing\)/],
    [
      ['--planned', '--config', 'x.json'],
      /pass the config as for cdk: -c config=<file\.json> \(not --config\)/,
    ],
  ])(
    'GIVEN %j WHEN run THEN a usage error with the usage text, exit 64, nothing invoked',
    async (argv, message) => {
      const r = await run(argv);
      expect(r.code).toBe(64);
      expect(r.err).toMatch(message);
      expect(r.err).toMatch(/Usage: npm run failover/);
      expect(lambdaMock.calls()).toHaveLength(0);
    },
  );

  test('GIVEN --planned WHEN run THEN it invokes the deterministic runbook name in the DR region and exits 0 on start', async () => {
    const seen = answerWith({
      outcome: 'started',
      message: 'Started: SwitchoverGlobalCluster',
      found: {
        globalClusterId: 'ha-ref-global',
        status: 'available',
        members: [{ clusterArn: 'arn:c1', isWriter: true }],
      },
    });
    const r = await run(['--planned']);
    expect(r.code).toBe(0);
    expect(seen.region).toBe('us-west-2');
    const input = lambdaMock.commandCalls(InvokeCommand)[0].args[0].input;
    expect(input.FunctionName).toBe('ha-ref-failover-runbook');
    expect(JSON.parse(new TextDecoder().decode(input.Payload as Uint8Array))).toEqual({
      mode: 'planned',
      dryRun: false,
      target: 'dr',
    });
    expect(r.out).toMatch(/Outcome: started[\s\S]*writer {2}arn:c1/);
  });

  test('GIVEN a fail-back (--target primary) WHEN run THEN it invokes the copy in the primary region and prints the fence it lifted', async () => {
    const seen = answerWith({
      outcome: 'unfenced',
      message: "Lifted the fence on us-east-1's health check hc-1",
      fences: [{ region: 'us-east-1', healthCheckId: 'hc-1', before: 'fenced', after: 'open' }],
    });
    const r = await run(['--planned', '--target', 'primary']);
    expect(r.code).toBe(0);
    expect(seen.region).toBe('us-east-1');
    expect(r.out).toMatch(/Outcome: unfenced[\s\S]*Fence: us-east-1 health check hc-1: fenced -> open/);
  });

  test('GIVEN a pilot-light DR still scaling up WHEN run THEN each scale-up step is printed and it exits 0 (run again)', async () => {
    answerWith({
      outcome: 'in-progress',
      message: 'Scaling up us-west-2 (pilot light) before it is promoted',
      scaleUp: [
        'raise g MinSize/DesiredCapacity from 3/3 to 6',
        'add Aurora instance c-failover-1 (db.r7g.large) to c',
      ],
    });
    const r = await run(['--unplanned']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /Outcome: in-progress[\s\S]*Scale-up: raise g .* to 6\nScale-up: add Aurora instance c-failover-1/,
    );
  });

  test('GIVEN the runbook refuses WHEN run THEN the reason is printed and the exit code is 2', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      Payload: encode({ outcome: 'refused', message: 'Refused: a switchover is already in progress' }),
    });
    const r = await run(['--unplanned']);
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/already in progress/);
  });

  test('GIVEN nothing to do WHEN run THEN exit 0', async () => {
    lambdaMock
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: encode({ outcome: 'nothing-to-do', message: 'Nothing to do' }) });
    expect((await run(['--unplanned'])).code).toBe(0);
  });

  test('GIVEN the function throws WHEN run THEN its error type and message are shown, exit 1', async () => {
    lambdaMock.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: encode({ errorType: 'InvalidEventError', errorMessage: 'Invalid event: mode must be ...' }),
    });
    const r = await run(['--planned']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/Runbook error \(InvalidEventError\): Invalid event/);
  });

  test('GIVEN the function does not exist WHEN run THEN the error names function and region, exit 1', async () => {
    lambdaMock
      .on(InvokeCommand)
      .rejects(Object.assign(new Error('Function not found'), { name: 'ResourceNotFoundException' }));
    const r = await run(['--planned', '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/could not invoke ha-ref-failover-runbook in us-west-2: Function not found/);
  });

  test('GIVEN a config file that does not exist WHEN run THEN it fails before invoking', async () => {
    const r = await run(['--planned', '-c', 'config=/nonexistent.json']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot load the config/);
    expect(lambdaMock.calls()).toHaveLength(0);
  });
});
