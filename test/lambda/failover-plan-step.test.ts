import { handler, setRoute53Module } from '../../lambda/failover/index';
import { parsePlanStepEvent, planStepName, PlanStepRefused } from '../../lambda/failover/plan-step';
import { captureLogs, clusterArn, FakeRds } from './fake-rds';
import { FakeRoute53 } from './failover-route53-fake';
import { DR, PRIMARY, setRunbookEnv } from './failover-env';

// The runbook Lambda as the ARC Region switch plan's custom-action steps call it: with Region switch's execution
// metadata, in the activating region, before (fence) and after (lift) the plan's own Aurora block.

const PLAN_ARN = 'arn:aws:arc-region-switch::111111111111:plan/ha-ref-switch:abc123';
const rds = new FakeRds();
const route53 = new FakeRoute53();
let order: string[] = [];

/** The event Region switch sends to a custom-action Lambda step. */
const stepEvent = (stepName: string) => ({
  InvokedBy: 'arc-region-switch',
  PlanArn: PLAN_ARN,
  ExecutionId: 'us-west-2/0123456789abcdef',
  StepName: stepName,
});
const runningIn = (region: string) => (process.env.AWS_REGION = region);
const fenced = (id: string) => {
  const { Inverted, Disabled } = route53.get(id).HealthCheckConfig;
  return Inverted && Disabled;
};
const promotions = () => rds.count('SwitchoverGlobalCluster') + rds.count('FailoverGlobalCluster');

beforeEach(() => {
  rds.reset();
  route53.reset();
  order = [];
  route53.onCall = (c) => order.push(c);
  setRoute53Module(route53.module(), async (ms) => {
    order.push(`sleep ${ms}`);
  });
  captureLogs();
  setRunbookEnv();
  rds.setGlobal('ha-ref-global', [PRIMARY, DR], PRIMARY.region);
  route53.add('hc-other', 'status.example.org');
  route53.add('hc-primary', PRIMARY.fqdn);
  route53.add('hc-dr', DR.fqdn);
});

describe('plan step events', () => {
  test('GIVEN Region switch metadata THEN the step kind and activating region come from the step name; unknown extra keys are ignored', () => {
    expect(parsePlanStepEvent({ ...stepEvent('fence-old-writer-us-west-2'), Future: 1 })).toEqual({
      kind: 'fence',
      activatingRegion: 'us-west-2',
      stepName: 'fence-old-writer-us-west-2',
      planArn: PLAN_ARN,
      executionId: 'us-west-2/0123456789abcdef',
    });
    expect(planStepName('liftFence', 'us-east-1')).toBe('lift-new-writer-fence-us-east-1');
    // An operator's request is not a plan step.
    expect(parsePlanStepEvent({ mode: 'planned' })).toBeUndefined();
  });

  test('GIVEN a plan step name this function does not know WHEN invoked THEN it throws naming the allowed steps and changes nothing', async () => {
    await expect(handler(stepEvent('scale-fleet-us-west-2'))).rejects.toThrow(
      /step "scale-fleet-us-west-2" .* allowed: fence-old-writer-<region>, lift-new-writer-fence-<region>/,
    );
    expect(route53.count('UpdateHealthCheck')).toBe(0);
    expect(rds.calls).toEqual([]);
  });
});

describe('plan step fence-old-writer (before the Aurora block)', () => {
  test('GIVEN the primary open WHEN the DR activation fences THEN the primary check is fenced, the drain is waited and nothing is promoted or even read from RDS', async () => {
    const report = await handler(stepEvent('fence-old-writer-us-west-2'));

    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'fenced',
        activatingRegion: 'us-west-2',
        fences: [{ region: 'us-east-1', healthCheckId: 'hc-primary', before: 'open', after: 'fenced' }],
      }),
    );
    expect(fenced('hc-primary')).toBe(true);
    expect(fenced('hc-dr')).toBe(false);
    expect(order.filter((c) => c !== 'ListHealthChecks')).toEqual(['UpdateHealthCheck', 'sleep 70000']);
    // The fence needs only Route 53: no call to RDS (the failed region's state is never required).
    expect(rds.calls).toEqual([]);
  });

  test('GIVEN the primary already fenced WHEN the step is retried THEN it changes nothing and does not wait again', async () => {
    route53.get('hc-primary').HealthCheckConfig.Inverted = true;
    route53.get('hc-primary').HealthCheckConfig.Disabled = true;
    const report = await handler(stepEvent('fence-old-writer-us-west-2'));
    expect(report.outcome).toBe('already-fenced');
    expect(route53.count('UpdateHealthCheck')).toBe(0);
    expect(order).not.toContain('sleep 70000');
  });

  test('GIVEN the fail-back workflow WHEN it runs in the primary region THEN it fences the DR check', async () => {
    runningIn(PRIMARY.region);
    await handler(stepEvent('fence-old-writer-us-east-1'));
    expect(fenced('hc-dr')).toBe(true);
    expect(fenced('hc-primary')).toBe(false);
  });

  test("GIVEN Route 53's control plane unreachable WHEN fencing THEN the step throws (Region switch retries it) and the Aurora block is never reached", async () => {
    route53.failing.ListHealthChecks = new Error('connect ETIMEDOUT');
    await expect(handler(stepEvent('fence-old-writer-us-west-2'))).rejects.toThrow(
      /Route 53's control plane is needed to fence.*ETIMEDOUT.*the plan stops here/,
    );
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN two checks probing the primary name WHEN fencing THEN it throws naming both and fences neither', async () => {
    route53.add('hc-primary-2', PRIMARY.fqdn);
    await expect(handler(stepEvent('fence-old-writer-us-west-2'))).rejects.toThrow(
      /found 2 Route 53 health checks probing us-east-1\.app\.example\.com \(hc-primary, hc-primary-2\)/,
    );
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN the step of the DR activation WHEN it runs in the primary region THEN it throws and changes nothing', async () => {
    runningIn(PRIMARY.region);
    await expect(handler(stepEvent('fence-old-writer-us-west-2'))).rejects.toThrow(PlanStepRefused);
    await expect(handler(stepEvent('fence-old-writer-us-west-2'))).rejects.toThrow(
      /activates us-west-2 but this copy of the runbook runs in us-east-1/,
    );
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });
});

describe('plan step lift-new-writer-fence (after the Aurora block)', () => {
  test('GIVEN the Aurora block has not made DR the writer WHEN the step runs THEN it throws naming the writer and never starts a switchover itself', async () => {
    await expect(handler(stepEvent('lift-new-writer-fence-us-west-2'))).rejects.toThrow(
      /ha-ref-us-west-2 \(us-west-2\) is not the writer of ha-ref-global yet \(writer: .*ha-ref-us-east-1, status available\)/,
    );
    expect(promotions()).toBe(0);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN a fail-back that made the fenced primary the writer WHEN the step runs there THEN the primary fence is lifted', async () => {
    runningIn(PRIMARY.region);
    route53.get('hc-primary').HealthCheckConfig.Inverted = true;
    route53.get('hc-primary').HealthCheckConfig.Disabled = true;
    const report = await handler(stepEvent('lift-new-writer-fence-us-east-1'));
    expect(report).toEqual(
      expect.objectContaining({
        outcome: 'unfenced',
        fences: [{ region: 'us-east-1', healthCheckId: 'hc-primary', before: 'fenced', after: 'open' }],
      }),
    );
    expect(fenced('hc-primary')).toBe(false);
    expect(promotions()).toBe(0);
  });

  test('GIVEN DR promoted and never fenced WHEN the step runs THEN nothing to do, and the old primary stays fenced', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], DR.region);
    route53.get('hc-primary').HealthCheckConfig.Inverted = true;
    route53.get('hc-primary').HealthCheckConfig.Disabled = true;
    const report = await handler(stepEvent('lift-new-writer-fence-us-west-2'));
    expect(report.outcome).toBe('nothing-to-do');
    expect(fenced('hc-primary')).toBe(true);
    expect(route53.count('UpdateHealthCheck')).toBe(0);
  });

  test('GIVEN DR is the writer but the failover is still in flight WHEN the step runs THEN it throws naming the state and lifts nothing', async () => {
    rds.setGlobal('ha-ref-global', [PRIMARY, DR], DR.region);
    route53.get('hc-dr').HealthCheckConfig.Inverted = true;
    route53.get('hc-dr').HealthCheckConfig.Disabled = true;
    rds.globalCluster!.FailoverState = {
      Status: 'failing-over',
      FromDbClusterArn: clusterArn(PRIMARY.region, PRIMARY.cluster),
      ToDbClusterArn: clusterArn(DR.region, DR.cluster),
      IsDataLossAllowed: true,
    };
    await expect(handler(stepEvent('lift-new-writer-fence-us-west-2'))).rejects.toThrow(
      /a failover is already in progress \(state failing-over/,
    );
    expect(fenced('hc-dr')).toBe(true);
  });
});
