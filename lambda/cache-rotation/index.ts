import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
} from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import type { Context, SecretsManagerRotationEvent } from 'aws-lambda';
import { requireEnv, requireIntEnv, intEnv } from '../shared/env';
import { awsErrorCodes, InvalidEventError, RetryLaterError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { sleep } from '../shared/retry';
import { type AuthOutcome, type CacheEndpoint, probeAuth } from './auth-probe';

/*
 * Rotates the AUTH token of one ElastiCache (Valkey/Redis OSS) replication group, in two phases so that no
 * client ever holds a token the cache refuses:
 *
 *   Secrets Manager rotation (the four steps, invoked by Secrets Manager):
 *     createSecret  a new random token as AWSPENDING (once per ClientRequestToken);
 *     setSecret     ModifyReplicationGroup AuthToken=pending, AuthTokenUpdateStrategy=ROTATE: the cache now
 *                   accepts the current AND the pending token;
 *     testSecret    AUTH with both tokens against the cache (TLS);
 *     finishSecret  AWSCURRENT moves to the new version. Clients re-read the secret (the service every
 *                   REDIS_SECRET_REFRESH_SECONDS, and on WRONGPASS) and switch while both tokens work.
 *   Enforcement (invoked on a schedule, and before every ROTATE):
 *     once GRACE_MINUTES have passed since the rotation, AuthTokenUpdateStrategy=SET with AWSCURRENT: the old
 *     token stops working. The version whose token is the cache's only one carries the SOLE_TOKEN label.
 *
 * Every step is idempotent, because Secrets Manager re-invokes a failed rotation with the same token and the
 * schedule re-runs enforcement: what the cache already accepts is probed (AUTH) before anything is modified, and
 * every modification first waits for the group to be `available` (ElastiCache refuses a modification while one is
 * in flight), within this invocation's remaining time. A ROTATE never starts while an older rotation is not
 * enforced, so the cache never holds more than two tokens.
 */

/** Custom staging label: this version's token is the only one the cache accepts (after SET). */
export const SOLE_TOKEN = 'SOLE_TOKEN';
const CURRENT = 'AWSCURRENT';
const PENDING = 'AWSPENDING';
const PREVIOUS = 'AWSPREVIOUS';

/** Seams for tests: the AUTH probe, the clock and the wait between status polls. */
export const deps = {
  probe: (endpoint: CacheEndpoint, token: string): Promise<AuthOutcome> => probeAuth(endpoint, token),
  now: (): number => Date.now(),
  sleep,
};

const secrets = new SecretsManagerClient({});
const elasticache = new ElastiCacheClient({});
const log = createLogger('cache-rotation');

/** What a scheduled (EventBridge) invocation reports. */
export type EnforceOutcome =
  | { readonly outcome: 'already-enforced' | 'rotation-in-progress' | 'initial-token-marked' | 'enforced' }
  | { readonly outcome: 'waiting'; readonly dueAt: string };

interface Settings {
  readonly replicationGroupId: string;
  readonly endpoint: CacheEndpoint;
  readonly graceMs: number;
  readonly pollMs: number;
  /** Epoch ms after which no new wait starts (the invocation's deadline minus a margin). */
  readonly deadline: number;
}

export async function handler(event: unknown, context: Pick<Context, 'getRemainingTimeInMillis'>) {
  const settings = readSettings(context);
  if (isRotationEvent(event)) {
    log.append({ step: event.Step, secretId: event.SecretId, version: event.ClientRequestToken });
    await rotate(event, settings);
    return;
  }
  if (isScheduledEvent(event)) {
    const secretId = requireEnv('SECRET_ARN');
    log.append({ mode: 'enforce', secretId });
    const result = await enforce(secretId, await describeSecret(secretId), settings);
    log.info('enforcement pass done', { ...result });
    return result;
  }
  throw new InvalidEventError('expected a Secrets Manager rotation step or an EventBridge scheduled event');
}

function readSettings(context: Pick<Context, 'getRemainingTimeInMillis'>): Settings {
  return {
    replicationGroupId: requireEnv('REPLICATION_GROUP_ID'),
    endpoint: {
      host: requireEnv('CACHE_HOST'),
      port: requireIntEnv('CACHE_PORT', 1),
      tls: requireEnv('CACHE_TLS') === 'true',
    },
    graceMs: requireIntEnv('GRACE_MINUTES', 1) * 60_000,
    pollMs: intEnv('STATUS_POLL_MS', 15_000),
    // Leave time to log and return; a wait that would pass this fails the step (it is retried).
    deadline: deps.now() + context.getRemainingTimeInMillis() - 20_000,
  };
}

function isRotationEvent(event: unknown): event is SecretsManagerRotationEvent {
  const e = event as Partial<SecretsManagerRotationEvent> | null;
  return (
    typeof e?.Step === 'string' && typeof e.SecretId === 'string' && typeof e.ClientRequestToken === 'string'
  );
}

function isScheduledEvent(event: unknown): boolean {
  return (event as { 'detail-type'?: unknown } | null)?.['detail-type'] === 'Scheduled Event';
}

// ---- Secrets Manager rotation --------------------------------------------------------------------

async function rotate(event: SecretsManagerRotationEvent, settings: Settings): Promise<void> {
  const { SecretId: secretId, ClientRequestToken: version, Step: step } = event;
  const secret = await describeSecret(secretId);
  if (!secret.RotationEnabled) throw new InvalidEventError(`rotation is not enabled on ${secretId}`);
  const stages = secret.VersionIdsToStages?.[version];
  if (!stages) throw new InvalidEventError(`version ${version} of ${secretId} does not exist`);
  if (stages.includes(CURRENT)) {
    log.info('version is already AWSCURRENT; nothing to do');
    return;
  }
  if (!stages.includes(PENDING)) throw new InvalidEventError(`version ${version} is not AWSPENDING`);

  switch (step) {
    case 'createSecret':
      return createSecret(secretId, version);
    case 'setSecret':
      return setSecret(secretId, version, secret, settings);
    case 'testSecret':
      return testSecret(secretId, version, settings);
    case 'finishSecret':
      return finishSecret(secretId, version, secret);
    default:
      throw new InvalidEventError(`unknown step ${String(step)}`);
  }
}

async function createSecret(secretId: string, version: string): Promise<void> {
  const current = await readSecret(secretId, { VersionStage: CURRENT });
  try {
    await readSecret(secretId, { VersionId: version, VersionStage: PENDING });
    log.info('pending token already exists (retry)');
    return;
  } catch (e) {
    if (!awsErrorCodes(e).includes('ResourceNotFoundException')) throw e;
  }
  // ElastiCache: 16-128 printable characters, a restricted punctuation set; alphanumeric is always valid.
  const random = await secrets.send(
    new GetRandomPasswordCommand({
      PasswordLength: 64,
      ExcludePunctuation: true,
      IncludeSpace: false,
      RequireEachIncludedType: true,
    }),
  );
  if (!random.RandomPassword) throw new Error('GetRandomPassword returned no password');
  await secrets.send(
    new PutSecretValueCommand({
      SecretId: secretId,
      ClientRequestToken: version,
      SecretString: JSON.stringify({ ...current.fields, token: random.RandomPassword }),
      VersionStages: [PENDING],
    }),
  );
  log.info('pending token created');
}

async function setSecret(
  secretId: string,
  version: string,
  secret: DescribeSecretCommandOutput,
  settings: Settings,
): Promise<void> {
  // The cache holds at most two tokens: the previous rotation must be enforced (SET) before this ROTATE.
  const before = await enforce(secretId, secret, settings, version);
  if (before.outcome === 'waiting') {
    throw new RetryLaterError(
      `the previous rotation is not enforced yet (due ${before.dueAt}, GRACE_MINUTES after it); rotate again after that`,
    );
  }
  const pending = await readSecret(secretId, { VersionId: version, VersionStage: PENDING });
  await waitAvailable(settings);
  if ((await deps.probe(settings.endpoint, pending.token)).ok) {
    log.info('the cache already accepts the pending token (retry); not modifying');
    return;
  }
  await modify(pending.token, 'ROTATE', settings);
  await waitAvailable(settings);
  log.info('ROTATE applied: the cache accepts the current and the pending token');
}

async function testSecret(secretId: string, version: string, settings: Settings): Promise<void> {
  const pending = await readSecret(secretId, { VersionId: version, VersionStage: PENDING });
  const current = await readSecret(secretId, { VersionStage: CURRENT });
  for (const [name, value] of [
    [PENDING, pending.token],
    [CURRENT, current.token],
  ] as const) {
    const outcome = await deps.probe(settings.endpoint, value);
    if (!outcome.ok) throw new Error(`the cache refuses the ${name} token: ${outcome.reply}`);
  }
  log.info('the cache accepts both tokens');
}

async function finishSecret(
  secretId: string,
  version: string,
  secret: DescribeSecretCommandOutput,
): Promise<void> {
  const current = versionWith(secret, CURRENT);
  await secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: CURRENT,
      MoveToVersionId: version,
      RemoveFromVersionId: current,
    }),
  );
  log.info('AWSCURRENT moved to the new version; the old token is dropped GRACE_MINUTES from now', {
    previous: current,
  });
}

// ---- Enforcement (SET) ---------------------------------------------------------------------------

/**
 * Makes AWSCURRENT the cache's only token once the grace period after the last rotation is over. `rotating`:
 * the version a rotation in progress is setting (its AWSPENDING does not block enforcement of the previous one).
 */
export async function enforce(
  secretId: string,
  secret: DescribeSecretCommandOutput,
  settings: Settings,
  rotating?: string,
): Promise<EnforceOutcome> {
  const current = versionWith(secret, CURRENT);
  const versions = secret.VersionIdsToStages ?? {};
  if (versions[current]?.includes(SOLE_TOKEN)) return { outcome: 'already-enforced' };
  const inProgress = Object.entries(versions).some(
    ([id, stages]) => id !== rotating && stages.includes(PENDING) && !stages.includes(CURRENT),
  );
  // A rotation between setSecret and finishSecret: the cache may accept its pending token, which SET would drop.
  if (inProgress) return { outcome: 'rotation-in-progress' };
  const holder = Object.keys(versions).find((id) => versions[id].includes(SOLE_TOKEN));
  const previous = Object.keys(versions).find((id) => versions[id].includes(PREVIOUS));
  if (!previous) {
    // Never rotated: the token the group was created with is its only one.
    await markSoleToken(secretId, current, holder);
    return { outcome: 'initial-token-marked' };
  }
  const rotatedAt = (secret.LastRotatedDate ?? secret.LastChangedDate)?.getTime() ?? 0;
  const dueAt = rotatedAt + settings.graceMs;
  if (deps.now() < dueAt) return { outcome: 'waiting', dueAt: new Date(dueAt).toISOString() };

  const currentToken = (await readSecret(secretId, { VersionStage: CURRENT })).token;
  const previousToken = (await readSecret(secretId, { VersionStage: PREVIOUS })).token;
  await waitAvailable(settings);
  // SET is refused unless a ROTATE came before it, so a retry after a SET that went through must not repeat it.
  if ((await deps.probe(settings.endpoint, previousToken)).ok) {
    await modify(currentToken, 'SET', settings);
    await waitAvailable(settings);
    if ((await deps.probe(settings.endpoint, previousToken)).ok) {
      throw new RetryLaterError('the cache still accepts the previous token after SET');
    }
  } else {
    log.info('the cache already refuses the previous token (retry); not modifying');
  }
  const outcome = await deps.probe(settings.endpoint, currentToken);
  if (!outcome.ok) throw new Error(`the cache refuses the AWSCURRENT token after SET: ${outcome.reply}`);
  await markSoleToken(secretId, current, holder);
  log.info('SET applied: the cache accepts only the AWSCURRENT token');
  return { outcome: 'enforced' };
}

async function markSoleToken(secretId: string, version: string, holder: string | undefined): Promise<void> {
  await secrets.send(
    new UpdateSecretVersionStageCommand({
      SecretId: secretId,
      VersionStage: SOLE_TOKEN,
      MoveToVersionId: version,
      RemoveFromVersionId: holder && holder !== version ? holder : undefined,
    }),
  );
}

// ---- ElastiCache ---------------------------------------------------------------------------------

/** Waits until the group is `available` with no auth token change pending, within the invocation's time. */
async function waitAvailable(settings: Settings): Promise<void> {
  for (;;) {
    const out = await elasticache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: settings.replicationGroupId }),
    );
    const group = out.ReplicationGroups?.[0];
    if (!group) throw new Error(`replication group ${settings.replicationGroupId} not found`);
    const pending = group.PendingModifiedValues?.AuthTokenStatus;
    if (group.Status === 'available' && !pending) return;
    if (group.Status !== 'available' && group.Status !== 'modifying' && group.Status !== 'snapshotting') {
      throw new Error(
        `replication group ${settings.replicationGroupId} is ${group.Status}; not modifying it`,
      );
    }
    if (deps.now() + settings.pollMs > settings.deadline) {
      throw new RetryLaterError(
        `replication group ${settings.replicationGroupId} is still ${group.Status}${pending ? ` (auth token ${pending})` : ''}`,
      );
    }
    log.info('waiting for the replication group', { status: group.Status, authTokenStatus: pending });
    await deps.sleep(settings.pollMs);
  }
}

/** ModifyReplicationGroup with the token; a modification that slipped in meanwhile is waited out. */
async function modify(token: string, strategy: 'ROTATE' | 'SET', settings: Settings): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await elasticache.send(
        new ModifyReplicationGroupCommand({
          ReplicationGroupId: settings.replicationGroupId,
          AuthToken: token,
          AuthTokenUpdateStrategy: strategy,
          ApplyImmediately: true,
        }),
      );
      log.info('ModifyReplicationGroup sent', { strategy });
      return;
    } catch (e) {
      if (attempt >= 3 || !awsErrorCodes(e).includes('InvalidReplicationGroupStateFault')) throw e;
      log.warn('the replication group is busy; waiting', { strategy, attempt });
      await waitAvailable(settings);
    }
  }
}

// ---- Secrets Manager -----------------------------------------------------------------------------

function describeSecret(secretId: string): Promise<DescribeSecretCommandOutput> {
  return secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
}

function versionWith(secret: DescribeSecretCommandOutput, stage: string): string {
  const entry = Object.entries(secret.VersionIdsToStages ?? {}).find(([, stages]) => stages.includes(stage));
  if (!entry) throw new Error(`secret ${secret.ARN} has no ${stage} version`);
  return entry[0];
}

/** A version of the secret: JSON `{ "token": ... }` (other fields are kept across rotations). */
async function readSecret(
  secretId: string,
  which: { VersionId?: string; VersionStage: string },
): Promise<{ token: string; fields: Record<string, unknown> }> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, ...which }));
  let fields: Record<string, unknown>;
  try {
    fields = JSON.parse(out.SecretString ?? '') as Record<string, unknown>;
  } catch {
    throw new Error(`secret ${secretId} (${which.VersionStage}) is not JSON; expected {"token": "..."}`);
  }
  if (typeof fields.token !== 'string' || fields.token.length < 16) {
    throw new Error(`secret ${secretId} (${which.VersionStage}) has no "token" of 16+ characters`);
  }
  return { token: fields.token, fields };
}
