/**
 * The Aurora Global Database stand-in: one PostgreSQL node per "region", the DR node streaming ASYNCHRONOUSLY from
 * the writer through a TCP proxy the drill can cut (the inter-region link), and the global-cluster API the runbook
 * calls, mapped onto that pair:
 *   FailoverGlobalCluster (AllowDataLoss) -> promote the target node now; whatever it had not replayed is lost.
 *   SwitchoverGlobalCluster               -> fast-stop the writer (its WAL up to the shutdown checkpoint streams
 *                                            out), wait until the target replayed all of it, promote the target,
 *                                            restart the old writer as the target's standby: nothing is lost.
 * Like RDS, both calls return at once and the work finishes in the background (FailoverState says how far).
 * Each region has its own control plane: with a region down, its endpoint fails, the other's still answers.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { GlobalCluster } from '@aws-sdk/client-rds';
import type { GlobalClusterApi } from '../../lambda/failover/runbook';
import { startTcpProxy, type TcpProxy } from '../../service/test/harness/tcp-proxy';
import { APP_DB, APP_USER, type PgNode } from '../topology/postgres';
import { findBinary, LOOPBACK, postgresBinDirs, waitUntil } from '../topology/proc';

const execFileAsync = promisify(execFile);

export type Side = 'primary' | 'dr';
export const other = (s: Side): Side => (s === 'primary' ? 'dr' : 'primary');

export interface MemberInfo {
  readonly region: string;
  readonly clusterArn: string;
  readonly node: PgNode;
}

export class LocalGlobalDatabase {
  writer: Side = 'primary';
  private status: 'available' | 'failing-over' | 'switching-over' = 'available';
  private failoverState: GlobalCluster['FailoverState'];
  private pending: Promise<void> = Promise.resolve();
  /** Per region: is its RDS control plane reachable (false while the region is down). */
  readonly controlPlaneUp: Record<Side, boolean> = { primary: true, dr: true };
  /** Streams into each side's node come through a proxy to the other side's node (the inter-region link). */
  private links!: Record<Side, TcpProxy>;
  /** Promotion times (performance.now()), for the timeline. */
  readonly promotions: { side: Side; at: number; kind: 'failover' | 'switchover' }[] = [];

  constructor(
    readonly id: string,
    readonly members: Record<Side, MemberInfo>,
    private readonly now: () => number,
    private readonly log: (m: string) => void,
  ) {}

  /** Creates the writer's database and role, then the DR node as its asynchronous standby. */
  async start(appPassword: string): Promise<void> {
    const p = this.members.primary.node;
    const d = this.members.dr.node;
    this.links = {
      primary: await startTcpProxy(d.port, LOOPBACK), // the primary node streams from DR (after a failover)
      dr: await startTcpProxy(p.port, LOOPBACK), // the DR node streams from the primary
    };
    p.initPrimary();
    p.start();
    await p.waitReady();
    await p.sql(`CREATE ROLE ${APP_USER} LOGIN PASSWORD '${appPassword}'`);
    await p.sql(`CREATE DATABASE ${APP_DB} OWNER ${APP_USER}`);
    await this.attachStandby('dr');
  }

  /** Rebuilds `side` as a fresh asynchronous standby of the writer (Aurora re-adding a recovered region). */
  async attachStandby(side: Side): Promise<void> {
    const node = this.members[side].node;
    if (node.running) await node.kill();
    node.initReplicaOf(this.members[other(side)].node, this.links[side].port);
    node.start();
    await node.waitReady();
    await this.waitStreaming(side, 60_000);
  }

  /** The inter-region link: cut (partition) or restored. */
  setPartitioned(partitioned: boolean): void {
    this.links.primary.setRefusing(partitioned);
    this.links.dr.setRefusing(partitioned);
  }

  /** Replication lag of the standby: ms since the writer's last commit that the standby has not replayed. */
  async replicationLagMs(): Promise<number | undefined> {
    const w = this.members[this.writer].node;
    try {
      const rows = await w.sql<{ ms: number | null }>(
        `SELECT (EXTRACT(EPOCH FROM replay_lag) * 1000)::float8 AS ms FROM pg_stat_replication WHERE application_name = $1`,
        [this.members[other(this.writer)].node.name],
      );
      return rows[0] ? (rows[0].ms ?? 0) : undefined;
    } catch {
      return undefined;
    }
  }

  async waitStreaming(side: Side, timeoutMs: number): Promise<void> {
    const node = this.members[side].node;
    await waitUntil(
      `${node.name} streaming`,
      async () =>
        (await node.sql<{ s: string }>('SELECT status AS s FROM pg_stat_wal_receiver'))[0]?.s === 'streaming',
      timeoutMs,
      200,
    );
  }

  /** Resolves when no switchover or failover is running. */
  idle(): Promise<void> {
    return this.pending;
  }

  /** The runbook's port, as seen from `from`'s control plane. */
  api(from: Side): GlobalClusterApi {
    const reachable = (): void => {
      if (!this.controlPlaneUp[from]) throw new Error(`connect ETIMEDOUT rds.${this.members[from].region}`);
    };
    return {
      describe: async (id) => {
        reachable();
        return id === this.id ? await this.describe() : undefined;
      },
      switchover: async (id, arn) => {
        reachable();
        this.begin(id, arn, 'switchover');
      },
      failover: async (id, arn) => {
        reachable();
        this.begin(id, arn, 'failover');
      },
    };
  }

  private async describe(): Promise<GlobalCluster> {
    // One consistent view, as RDS gives: writer, status and failover state are read together before the replicas
    // are asked (a switchover that completes meanwhile must not pair the old writer with the new "available").
    const { writer, status, failoverState } = this;
    const members = await Promise.all(
      (['primary', 'dr'] as const).map(async (side) => {
        const m = this.members[side];
        const isWriter = side === writer;
        let sync: 'connected' | 'pending-resync' | undefined;
        if (!isWriter) {
          const rows = await m.node
            .sql<{ s: string }>('SELECT status AS s FROM pg_stat_wal_receiver')
            .catch(() => [] as { s: string }[]);
          sync = rows[0]?.s === 'streaming' ? 'connected' : 'pending-resync';
        }
        return { DBClusterArn: m.clusterArn, IsWriter: isWriter, SynchronizationStatus: sync };
      }),
    );
    return {
      GlobalClusterIdentifier: this.id,
      Status: status,
      GlobalClusterMembers: members,
      FailoverState: failoverState,
    };
  }

  private begin(id: string, arn: string, kind: 'failover' | 'switchover'): void {
    const target = (['primary', 'dr'] as const).find((s) => this.members[s].clusterArn === arn);
    if (id !== this.id || !target) throw new Error(`GlobalClusterNotFound/DBClusterNotFound: ${id} ${arn}`);
    if (this.status !== 'available' && !(kind === 'failover' && this.status === 'switching-over'))
      throw Object.assign(new Error(`global cluster is ${this.status}`), {
        name: 'InvalidGlobalClusterStateFault',
      });
    const from = this.writer;
    this.status = kind === 'failover' ? 'failing-over' : 'switching-over';
    this.failoverState = {
      Status: 'pending',
      FromDbClusterArn: this.members[from].clusterArn,
      ToDbClusterArn: arn,
      IsDataLossAllowed: kind === 'failover',
    };
    this.log(`global database: ${kind} ${from} -> ${target} started`);
    this.pending = (kind === 'failover' ? this.doFailover(target) : this.doSwitchover(from, target)).then(
      () => {
        this.writer = target;
        this.status = 'available';
        this.failoverState = undefined;
        this.promotions.push({ side: target, at: this.now(), kind });
        this.log(`global database: ${kind} to ${target} complete`);
      },
      (e: unknown) => {
        this.status = 'available';
        this.failoverState = undefined;
        this.log(`global database: ${kind} to ${target} FAILED: ${String(e)}`);
      },
    );
  }

  private async doFailover(target: Side): Promise<void> {
    await this.members[target].node.promote();
    await waitUntil(
      `${target} writable`,
      async () => (await this.members[target].node.isInRecovery()) === false,
      30_000,
      100,
    );
  }

  private async doSwitchover(from: Side, target: Side): Promise<void> {
    const old = this.members[from].node;
    const next = this.members[target].node;
    const bin = (name: string): string => findBinary(name, postgresBinDirs());
    const asPg = { uid: old.opts.runAs?.uid, gid: old.opts.runAs?.gid };
    await execFileAsync(bin('pg_ctl'), ['stop', '-m', 'fast', '-w', '-t', '30', '-D', old.dataDir], asPg);
    const control = (await execFileAsync(bin('pg_controldata'), ['-D', old.dataDir], asPg)).stdout;
    const lsn = /Latest checkpoint location:\s+([0-9A-F]+\/[0-9A-F]+)/i.exec(control)?.[1];
    if (!lsn) throw new Error('switchover: no checkpoint location in pg_controldata');
    await waitUntil(
      `${next.name} to replay the old writer's WAL up to ${lsn}`,
      async () =>
        (await next.sql<{ ok: boolean }>(`SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok`, [lsn]))[0]
          ?.ok === true,
      30_000,
      50,
    );
    await next.promote();
    // The old writer follows the new timeline as a standby (clean shutdown: its WAL ends where the target's began).
    writeFileSync(join(old.dataDir, 'standby.signal'), '');
    appendFileSync(
      join(old.dataDir, 'postgresql.auto.conf'),
      `primary_conninfo = 'host=${LOOPBACK} port=${this.links[from].port} user=postgres application_name=${old.name}'\n`,
    );
    old.start();
    await old.waitReady();
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.links ?? {}).map((l) => l.close()));
  }
}
