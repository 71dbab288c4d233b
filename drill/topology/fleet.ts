/**
 * The service fleet: 6 instances of the production bundle (plain `node index.js`), 2 per "AZ" (az1..az3), each
 * configured only through the environment as on the EC2 instances.
 */
import { join } from 'node:path';
import { LOOPBACK, ManagedProcess, waitUntil, type RunAs } from './proc';

export interface InstanceSpec {
  readonly name: string;
  readonly az: string;
  readonly port: number;
}

/** Pure: 3 AZs × perAz instances named az1-a, az1-b, ... */
export function fleetLayout(ports: readonly number[], azCount = 3): InstanceSpec[] {
  if (ports.length % azCount !== 0)
    throw new Error(`drill: ${ports.length} instances cannot spread evenly over ${azCount} AZs`);
  const perAz = ports.length / azCount;
  return ports.map((port, i) => {
    const az = `az${Math.floor(i / perAz) + 1}`;
    return { name: `${az}-${String.fromCharCode(97 + (i % perAz))}`, az, port };
  });
}

/** First uid of the per-AZ users: az1 runs as 61001, az2 as 61002, ... (no passwd entry is needed). */
const AZ_UID_BASE = 61_000;

/**
 * Pure: the unprivileged user every instance of `az` runs as when the drill runs as root (undefined otherwise).
 * One user per AZ lets the kernel tell an AZ's connections apart (nftables `meta skuid`) although every instance
 * shares the loopback address: that is how the drill cuts one AZ off from the data tier (see partition.ts).
 */
export function azRunAs(az: string, isRoot: boolean): RunAs | undefined {
  const m = /^az(\d+)$/.exec(az);
  if (!m) throw new Error(`drill: AZ name '${az}' is not az<N>`);
  const id = AZ_UID_BASE + Number(m[1]);
  return isRoot ? { uid: id, gid: id } : undefined;
}

export class ServiceInstance {
  private proc: ManagedProcess | undefined;
  private generation = 0;
  private exitExpected = false;
  /** Exits nobody asked for (no kill, stop or SIGTERM from the drill): a crash of the service. */
  crashes = 0;

  constructor(
    public readonly spec: InstanceSpec,
    private readonly command: { readonly cmd: string; readonly args: readonly string[] },
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
    /** The AZ's own unprivileged user (see azRunAs): what a partition of the AZ matches its traffic by. */
    public readonly runAs?: RunAs,
  ) {}

  get name(): string {
    return this.spec.name;
  }
  get running(): boolean {
    return this.proc?.running ?? false;
  }
  get url(): string {
    return `http://${LOOPBACK}:${this.spec.port}`;
  }

  start(): void {
    this.generation += 1;
    this.exitExpected = false;
    const proc = new ManagedProcess({
      name: this.name,
      cmd: this.command.cmd,
      args: this.command.args,
      logFile: join(this.logDir, `${this.name}.log`),
      runAs: this.runAs,
      env: {
        ...this.env,
        PORT: String(this.spec.port),
        HOST: LOOPBACK,
        AZ: this.spec.az,
        INSTANCE_ID: `${this.name}#${this.generation}`,
      },
    }).start();
    this.proc = proc;
    void proc.waitExit().then(() => {
      if (!this.exitExpected && this.proc === proc) this.crashes += 1;
    });
  }

  async waitHealthy(timeoutMs = 30_000): Promise<void> {
    await waitUntil(
      `${this.name} /healthz`,
      async () => (await fetch(`${this.url}/healthz`, { signal: AbortSignal.timeout(1_000) })).status === 200,
      timeoutMs,
      100,
    );
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    await waitUntil(
      `${this.name} /readyz`,
      async () => (await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(2_000) })).status === 200,
      timeoutMs,
      200,
    );
  }

  async kill(): Promise<void> {
    this.exitExpected = true;
    await this.proc?.kill();
  }

  /** SIGTERM/SIGKILL are exits the drill asked for; SIGSTOP/SIGCONT freeze and resume the instance. */
  signal(sig: NodeJS.Signals): void {
    if (sig === 'SIGTERM' || sig === 'SIGKILL') this.exitExpected = true;
    this.proc?.signal(sig);
  }

  async waitExit(): Promise<void> {
    await this.proc?.waitExit();
  }

  async stop(): Promise<void> {
    this.exitExpected = true;
    await this.proc?.stop(30_000);
  }
}
