import { deps, handler, SOLE_TOKEN } from '../../lambda/cache-rotation/index';
import { captureLogs } from './fake-rds';
import { FakeCacheAuth, SECRET_ARN } from './fake-cache-auth';

const INITIAL = 'Initial-token-0123456789abcdef';
const GRACE_MINUTES = 60;
let fake: FakeCacheAuth;
let sleeps: number[];
const originalDeps = { ...deps };

/** Lambda context with 14 minutes left (the function's timeout is 15). */
const context = { getRemainingTimeInMillis: () => 14 * 60_000 };
const step = (Step: string, ClientRequestToken: string) =>
  handler({ Step, SecretId: SECRET_ARN, ClientRequestToken }, context);
const scheduled = () =>
  handler({ source: 'aws.events', 'detail-type': 'Scheduled Event', detail: {} }, context);

/** A whole Secrets Manager rotation with version id `version`. */
async function rotateFully(version: string): Promise<void> {
  fake.startRotation(version);
  for (const s of ['createSecret', 'setSecret', 'testSecret', 'finishSecret']) await step(s, version);
}

const minutes = (n: number) => n * 60_000;

beforeEach(() => {
  captureLogs();
  fake = new FakeCacheAuth(INITIAL);
  sleeps = [];
  Object.assign(deps, {
    probe: fake.probe,
    now: fake.now,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      fake.clock += ms;
    },
  });
  Object.assign(process.env, {
    REPLICATION_GROUP_ID: 'ha-ref-cache',
    CACHE_HOST: 'clustercfg.ha-ref-cache.abc123.euw1.cache.amazonaws.com',
    CACHE_PORT: '6379',
    CACHE_TLS: 'true',
    GRACE_MINUTES: String(GRACE_MINUTES),
    STATUS_POLL_MS: '15000',
    SECRET_ARN,
  });
});

afterEach(() => {
  fake.restore();
  Object.assign(deps, originalDeps);
});

describe('a rotation from the token the group was created with', () => {
  test('GIVEN a fresh group WHEN the four steps run THEN the cache accepts old and new tokens (ROTATE), AWSCURRENT is the new one, and nothing is SET yet', async () => {
    await rotateFully('v2');

    const newToken = fake.tokenOf('v2');
    expect(newToken).not.toBe(INITIAL);
    expect(fake.modifications).toEqual([{ strategy: 'ROTATE', token: newToken }]);
    expect(fake.tokens).toEqual([INITIAL, newToken]);
    expect(fake.versionWith('AWSCURRENT')).toBe('v2');
    expect(fake.versionWith('AWSPREVIOUS')).toBe('v-initial');
    // The creation token was the group's only one: marked so, without a SET.
    expect(fake.versionWith(SOLE_TOKEN)).toBe('v-initial');
    // The modification took two polls: the function waited for `available` before testing.
    expect(sleeps).toEqual([15000, 15000]);
  });

  test('GIVEN createSecret already ran for this version WHEN it is retried THEN the same pending token stays and no new one is generated', async () => {
    fake.startRotation('v2');
    await step('createSecret', 'v2');
    const first = fake.tokenOf('v2');
    await step('createSecret', 'v2');
    expect(fake.tokenOf('v2')).toBe(first);
    expect(fake.calls.filter((c) => c === 'GetRandomPassword')).toHaveLength(1);
  });

  test('GIVEN the group is modifying (another change) WHEN setSecret runs THEN it waits for available and only then ROTATEs', async () => {
    fake.startRotation('v2');
    await step('createSecret', 'v2');
    fake.busyPolls = 3;
    await step('setSecret', 'v2');
    const calls = fake.calls.filter(
      (c) => c.startsWith('DescribeReplicationGroups') || c.startsWith('Modify'),
    );
    expect(calls.slice(0, 5)).toEqual([
      'DescribeReplicationGroups',
      'DescribeReplicationGroups',
      'DescribeReplicationGroups',
      'DescribeReplicationGroups',
      'ModifyReplicationGroup:ROTATE',
    ]);
    expect(fake.modifications).toHaveLength(1);
  });

  test('GIVEN a modification slips in between the status check and the call WHEN setSecret modifies THEN it waits and retries once, ROTATE applied once', async () => {
    fake.startRotation('v2');
    await step('createSecret', 'v2');
    fake.refuseNextModify = true;
    await step('setSecret', 'v2');
    expect(fake.calls.filter((c) => c === 'ModifyReplicationGroup:ROTATE')).toHaveLength(2);
    expect(fake.modifications).toEqual([{ strategy: 'ROTATE', token: fake.tokenOf('v2') }]);
  });

  test('GIVEN setSecret already applied ROTATE WHEN Secrets Manager retries it THEN the cache is not modified again', async () => {
    fake.startRotation('v2');
    await step('createSecret', 'v2');
    await step('setSecret', 'v2');
    await step('setSecret', 'v2');
    expect(fake.modifications).toHaveLength(1);
  });

  test('GIVEN the group stays modifying past the invocation deadline WHEN setSecret runs THEN it fails to be retried and modifies nothing', async () => {
    fake.startRotation('v2');
    await step('createSecret', 'v2');
    fake.busyPolls = 1000;
    await expect(step('setSecret', 'v2')).rejects.toThrow(
      /ha-ref-cache is still modifying \(auth token ROTATING\)/,
    );
    expect(fake.modifications).toEqual([]);
    // It gave up within the 14 minutes left minus the margin, not after.
    expect(sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(14 * 60_000 - 20_000);
  });

  test('GIVEN the cache refuses the pending token WHEN testSecret runs THEN it fails naming AWSPENDING and finishSecret has not moved AWSCURRENT', async () => {
    fake.startRotation('v2');
    await step('createSecret', 'v2');
    // setSecret skipped: the cache never got the token.
    await expect(step('testSecret', 'v2')).rejects.toThrow(/refuses the AWSPENDING token: WRONGPASS/);
    expect(fake.versionWith('AWSCURRENT')).toBe('v-initial');
  });

  test('GIVEN finishSecret already moved AWSCURRENT WHEN it is retried THEN nothing changes', async () => {
    await rotateFully('v2');
    const before = fake.calls.length;
    await step('finishSecret', 'v2');
    expect(fake.calls.slice(before)).toEqual(['DescribeSecret']);
    expect(fake.versionWith('AWSCURRENT')).toBe('v2');
  });

  test('GIVEN a group in a state the function must not touch (deleting) WHEN setSecret runs THEN it fails without modifying', async () => {
    fake.startRotation('v2');
    await step('createSecret', 'v2');
    fake.status = 'deleting';
    await expect(step('setSecret', 'v2')).rejects.toThrow(/is deleting; not modifying it/);
    expect(fake.modifications).toEqual([]);
  });
});

describe('enforcement (SET) after the grace period', () => {
  beforeEach(async () => {
    await rotateFully('v2');
  });

  test('GIVEN the grace period is not over WHEN the schedule runs THEN it waits and the old token still works', async () => {
    fake.clock += minutes(GRACE_MINUTES - 1);
    const result = await scheduled();
    expect(result).toMatchObject({ outcome: 'waiting' });
    expect(fake.tokens).toContain(INITIAL);
    expect(fake.modifications.map((m) => m.strategy)).toEqual(['ROTATE']);
  });

  test('GIVEN the grace period is over WHEN the schedule runs THEN SET leaves only AWSCURRENT, SOLE_TOKEN moves to it, and a second run does nothing', async () => {
    fake.clock += minutes(GRACE_MINUTES);
    expect(await scheduled()).toEqual({ outcome: 'enforced' });
    expect(fake.tokens).toEqual([fake.tokenOf('v2')]);
    expect(fake.modifications.map((m) => m.strategy)).toEqual(['ROTATE', 'SET']);
    expect(fake.versionWith(SOLE_TOKEN)).toBe('v2');

    const before = fake.calls.length;
    expect(await scheduled()).toEqual({ outcome: 'already-enforced' });
    expect(fake.calls.slice(before)).toEqual(['DescribeSecret']);
  });

  test('GIVEN SET went through but the label was not moved (the invocation failed) WHEN the schedule runs again THEN it does not SET twice (ElastiCache would refuse) and moves the label', async () => {
    fake.clock += minutes(GRACE_MINUTES);
    fake.failNextStageUpdate = SOLE_TOKEN;
    await expect(scheduled()).rejects.toThrow(/injected failure/);
    expect(fake.tokens).toEqual([fake.tokenOf('v2')]);

    expect(await scheduled()).toEqual({ outcome: 'enforced' });
    expect(fake.modifications.map((m) => m.strategy)).toEqual(['ROTATE', 'SET']);
    expect(fake.versionWith(SOLE_TOKEN)).toBe('v2');
  });

  test('GIVEN a rotation is between createSecret and finishSecret WHEN the schedule runs THEN it does not SET (that would drop the token being rotated in)', async () => {
    fake.clock += minutes(GRACE_MINUTES);
    fake.startRotation('v3');
    await step('createSecret', 'v3');
    expect(await scheduled()).toEqual({ outcome: 'rotation-in-progress' });
    expect(fake.modifications.map((m) => m.strategy)).toEqual(['ROTATE']);
  });
});

describe('the next rotation', () => {
  beforeEach(async () => {
    await rotateFully('v2');
  });

  test('GIVEN the previous rotation was never enforced and its grace is over WHEN the next rotation runs THEN setSecret SETs the current token first, so the cache never holds three', async () => {
    fake.clock += minutes(GRACE_MINUTES + 1);
    await rotateFully('v3');
    expect(fake.modifications.map((m) => m.strategy)).toEqual(['ROTATE', 'SET', 'ROTATE']);
    expect(fake.tokens).toEqual([fake.tokenOf('v2'), fake.tokenOf('v3')]);
    expect(fake.versionWith('AWSCURRENT')).toBe('v3');
    expect(fake.versionWith(SOLE_TOKEN)).toBe('v2');
  });

  test('GIVEN the previous rotation is still in its grace period WHEN a rotation is started THEN setSecret refuses (clients may still use the previous token) and modifies nothing', async () => {
    fake.clock += minutes(5);
    fake.startRotation('v3');
    await step('createSecret', 'v3');
    await expect(step('setSecret', 'v3')).rejects.toThrow(/previous rotation is not enforced yet/);
    expect(fake.modifications.map((m) => m.strategy)).toEqual(['ROTATE']);
    expect(fake.tokens).toContain(INITIAL);
  });
});

describe('events it refuses', () => {
  test('GIVEN rotation is disabled on the secret WHEN a step arrives THEN it fails without touching anything', async () => {
    fake.rotationEnabled = false;
    fake.startRotation('v2');
    await expect(step('createSecret', 'v2')).rejects.toThrow(/rotation is not enabled/);
    expect(fake.calls).toEqual(['DescribeSecret']);
  });

  test('GIVEN a version that is not AWSPENDING WHEN setSecret arrives THEN it fails', async () => {
    fake.versions.set('stray', { value: JSON.stringify({ token: 'x'.repeat(32) }), stages: [] });
    await expect(step('setSecret', 'stray')).rejects.toThrow(/is not AWSPENDING/);
    expect(fake.modifications).toEqual([]);
  });

  test('GIVEN an event of another kind WHEN it arrives THEN InvalidEventError', async () => {
    await expect(handler({ hello: 'world' }, context)).rejects.toThrow(/Invalid event/);
  });
});
