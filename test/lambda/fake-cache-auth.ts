import {
  DescribeReplicationGroupsCommand,
  ElastiCacheClient,
  ModifyReplicationGroupCommand,
  type ModifyReplicationGroupCommandInput,
} from '@aws-sdk/client-elasticache';
import {
  DescribeSecretCommand,
  GetRandomPasswordCommand,
  GetSecretValueCommand,
  type GetSecretValueCommandInput,
  PutSecretValueCommand,
  type PutSecretValueCommandInput,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
  type UpdateSecretVersionStageCommandInput,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';

export const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:ha-ref-cache-auth-AbCdEf';

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

interface Version {
  /** Undefined between RotateSecret registering the version and createSecret putting its value. */
  value?: string;
  stages: string[];
}

/**
 * Secrets Manager (one secret, its versions and staging labels, as the real service moves them) and ElastiCache
 * (one replication group: the set of tokens it accepts, its status, ROTATE/SET rules) behind aws-sdk-client-mock.
 * The cache's rules are the documented ones: no modification unless `available`, SET only after a ROTATE; it also
 * refuses a third token, so a test fails if the function ever ROTATEs with two tokens in place.
 */
export class FakeCacheAuth {
  readonly sm = mockClient(SecretsManagerClient);
  readonly ec = mockClient(ElastiCacheClient);
  readonly versions = new Map<string, Version>();
  rotationEnabled = true;
  lastRotatedDate?: Date;
  /** Tokens the cache accepts now. */
  tokens: string[] = [];
  status = 'available';
  /** Describes that still report `modifying` after a modification (or a busy group), then `available`. */
  busyPolls = 0;
  private lastStrategy?: string;
  /** Every ModifyReplicationGroup that was accepted. */
  readonly modifications: { strategy: string; token: string }[] = [];
  readonly calls: string[] = [];
  /** Fails the next UpdateSecretVersionStage for this label (then succeeds). */
  failNextStageUpdate?: string;
  /** Refuses the next Modify with InvalidReplicationGroupStateFault (a modification that slipped in). */
  refuseNextModify = false;
  private randomCount = 0;

  constructor(initialToken: string) {
    this.versions.set('v-initial', {
      value: JSON.stringify({ token: initialToken }),
      stages: ['AWSCURRENT'],
    });
    this.tokens = [initialToken];
    this.wire();
  }

  /** What RotateSecret does before it invokes createSecret: registers the new version as AWSPENDING. */
  startRotation(version: string): void {
    this.detach('AWSPENDING');
    this.versions.set(version, { stages: ['AWSPENDING'] });
  }

  /** The version id carrying a label. */
  versionWith(stage: string): string | undefined {
    return [...this.versions].find(([, v]) => v.stages.includes(stage))?.[0];
  }

  tokenOf(versionId: string): string {
    return (JSON.parse(this.versions.get(versionId)!.value ?? '{}') as { token: string }).token;
  }

  /** The AUTH probe: what the cache accepts right now. */
  probe = async (_endpoint: unknown, token: string) =>
    this.tokens.includes(token)
      ? { ok: true as const }
      : { ok: false as const, reply: 'WRONGPASS invalid password' };

  private wire(): void {
    const sm = this.sm;
    sm.on(DescribeSecretCommand).callsFake(() => {
      this.calls.push('DescribeSecret');
      return {
        ARN: SECRET_ARN,
        RotationEnabled: this.rotationEnabled,
        LastRotatedDate: this.lastRotatedDate,
        VersionIdsToStages: Object.fromEntries([...this.versions].map(([id, v]) => [id, [...v.stages]])),
      };
    });
    sm.on(GetSecretValueCommand).callsFake((input: GetSecretValueCommandInput) => {
      this.calls.push('GetSecretValue');
      const id = input.VersionId ?? this.versionWith(input.VersionStage ?? 'AWSCURRENT');
      const v = id ? this.versions.get(id) : undefined;
      if (!v?.value || (input.VersionStage && !v.stages.includes(input.VersionStage))) {
        throw awsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret value");
      }
      return { ARN: SECRET_ARN, VersionId: id, SecretString: v.value, VersionStages: v.stages };
    });
    sm.on(GetRandomPasswordCommand).callsFake(() => {
      this.calls.push('GetRandomPassword');
      this.randomCount++;
      return { RandomPassword: `Rnd${this.randomCount}`.padEnd(64, 'x') };
    });
    sm.on(PutSecretValueCommand).callsFake((input: PutSecretValueCommandInput) => {
      this.calls.push('PutSecretValue');
      const id = input.ClientRequestToken!;
      const existing = this.versions.get(id)?.value;
      if (existing !== undefined && existing !== input.SecretString) {
        throw awsError('ResourceExistsException', 'a version with this ClientRequestToken has another value');
      }
      for (const stage of input.VersionStages ?? []) this.detach(stage);
      this.versions.set(id, { value: input.SecretString!, stages: [...(input.VersionStages ?? [])] });
      return { ARN: SECRET_ARN, VersionId: id };
    });
    sm.on(UpdateSecretVersionStageCommand).callsFake((input: UpdateSecretVersionStageCommandInput) => {
      this.calls.push(`UpdateSecretVersionStage:${input.VersionStage}`);
      const stage = input.VersionStage!;
      if (this.failNextStageUpdate === stage) {
        this.failNextStageUpdate = undefined;
        throw awsError('InternalServiceError', 'injected failure');
      }
      const holder = this.versionWith(stage);
      if (holder && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
        throw awsError(
          'InvalidParameterException',
          `${stage} is attached to ${holder}; name it in RemoveFromVersionId`,
        );
      }
      this.detach(stage);
      const target = this.versions.get(input.MoveToVersionId!)!;
      target.stages.push(stage);
      if (stage === 'AWSCURRENT') {
        // Secrets Manager moves AWSPREVIOUS to the old current and drops AWSPENDING from the new one.
        this.detach('AWSPREVIOUS');
        if (holder) this.versions.get(holder)!.stages.push('AWSPREVIOUS');
        target.stages = target.stages.filter((s) => s !== 'AWSPENDING');
        this.lastRotatedDate = new Date(this.now());
      }
      return { ARN: SECRET_ARN };
    });

    const ec = this.ec;
    ec.on(DescribeReplicationGroupsCommand).callsFake(() => {
      this.calls.push('DescribeReplicationGroups');
      let status = this.status;
      if (this.busyPolls > 0) {
        this.busyPolls--;
        status = 'modifying';
      }
      return {
        ReplicationGroups: [
          {
            ReplicationGroupId: 'ha-ref-cache',
            Status: status,
            PendingModifiedValues: status === 'modifying' ? { AuthTokenStatus: 'ROTATING' } : {},
          },
        ],
      };
    });
    ec.on(ModifyReplicationGroupCommand).callsFake((input: ModifyReplicationGroupCommandInput) => {
      this.calls.push(`ModifyReplicationGroup:${input.AuthTokenUpdateStrategy}`);
      if (this.refuseNextModify || this.busyPolls > 0 || this.status !== 'available') {
        this.refuseNextModify = false;
        this.busyPolls = Math.max(this.busyPolls, 1);
        throw awsError('InvalidReplicationGroupStateFault', 'Replication group must be in available state');
      }
      const token = input.AuthToken!;
      if (input.AuthTokenUpdateStrategy === 'ROTATE') {
        if (this.tokens.length >= 2) throw awsError('InvalidParameterValue', 'a third token (test fake)');
        this.tokens = [...this.tokens, token];
      } else if (input.AuthTokenUpdateStrategy === 'SET') {
        if (this.lastStrategy !== 'ROTATE')
          throw awsError('InvalidParameterValue', 'SET is allowed only after ROTATE');
        this.tokens = [token];
      }
      this.lastStrategy = input.AuthTokenUpdateStrategy;
      this.modifications.push({ strategy: input.AuthTokenUpdateStrategy!, token });
      this.busyPolls = 2; // the modification takes a few polls
      return { ReplicationGroup: { ReplicationGroupId: input.ReplicationGroupId, Status: 'modifying' } };
    });
  }

  /** The fake clock the handler uses (tests advance it). */
  clock = Date.parse('2026-12-01T00:00:00Z');
  now = (): number => this.clock;

  private detach(stage: string): void {
    for (const v of this.versions.values()) v.stages = v.stages.filter((s) => s !== stage);
  }

  restore(): void {
    this.sm.restore();
    this.ec.restore();
  }
}
