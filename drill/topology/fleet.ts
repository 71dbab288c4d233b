/**
 * The service fleet: 6 instances of the production bundle (plain `node index.js`), 2 per "AZ" (az1..az3), each
 * configured only through the environment as on the EC2 instances.
 */
import { join } from 'node:path';
import { LOOPBACK, ManagedProcess, waitUntil } from './proc';

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

export class ServiceInstance {
  private proc: ManagedProcess | undefined;
  private generation = 0;

  constructor(
    public readonly spec: InstanceSpec,
    private readonly command: { readonly cmd: string; readonly args: readonly string[] },
    private readonly env: NodeJS.ProcessEnv,
    private readonly logDir: string,
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
    this.proc = new ManagedProcess({
      name: this.name,
      cmd: this.command.cmd,
      args: this.command.args,
      logFile: join(this.logDir, `${this.name}.log`),
      env: {
        ...this.env,
        PORT: String(this.spec.port),
        HOST: LOOPBACK,
        AZ: this.spec.az,
        INSTANCE_ID: `${this.name}#${this.generation}`,
      },
    }).start();
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
    await this.proc?.kill();
  }

  signal(sig: NodeJS.Signals): void {
    this.proc?.signal(sig);
  }

  async waitExit(): Promise<void> {
    await this.proc?.waitExit();
  }

  async stop(): Promise<void> {
    await this.proc?.stop(30_000);
  }
}
