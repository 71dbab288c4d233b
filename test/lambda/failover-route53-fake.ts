import type { Route53Module } from '../../lambda/failover/route53';

/** A health check as the fake Route 53 stores it. */
export interface FakeHealthCheck {
  Id: string;
  HealthCheckVersion: number;
  HealthCheckConfig: {
    FullyQualifiedDomainName: string;
    Inverted: boolean;
    Disabled: boolean;
    Type: 'HTTPS';
  };
}

/**
 * An in-memory Route 53 with the shape of `@aws-sdk/client-route53` (that package is the Lambda runtime's, not
 * installed here): ListHealthChecks pages two at a time, UpdateHealthCheck honours HealthCheckVersion as Route 53
 * does, and every call is recorded with the region the client was made for.
 */
export class FakeRoute53 {
  readonly checks: FakeHealthCheck[] = [];
  readonly calls: { command: string; region: string; input: Record<string, unknown> }[] = [];
  /** Makes the next calls of a command throw (e.g. the control plane is unreachable). */
  failing: Partial<Record<'ListHealthChecks' | 'UpdateHealthCheck', Error>> = {};
  /** Called after each successful call (tests use it to record the order of calls across services). */
  onCall: (command: string) => void = () => undefined;

  reset(): void {
    this.checks.length = 0;
    this.calls.length = 0;
    this.failing = {};
    this.onCall = () => undefined;
  }

  add(id: string, fqdn: string, fenced = false): FakeHealthCheck {
    const hc: FakeHealthCheck = {
      Id: id,
      HealthCheckVersion: 1,
      HealthCheckConfig: {
        FullyQualifiedDomainName: fqdn,
        Inverted: fenced,
        Disabled: fenced,
        Type: 'HTTPS',
      },
    };
    this.checks.push(hc);
    return hc;
  }

  get(id: string): FakeHealthCheck {
    return this.checks.find((c) => c.Id === id)!;
  }

  count(command: string): number {
    return this.calls.filter((c) => c.command === command).length;
  }

  module(): Route53Module {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the classes below close over the fake
    const fake = this;
    class Command {
      constructor(
        readonly name: 'ListHealthChecks' | 'UpdateHealthCheck',
        readonly input: Record<string, unknown>,
      ) {}
    }
    class Route53Client {
      constructor(private readonly config: { region: string }) {}
      async send(command: unknown): Promise<unknown> {
        const { name, input } = command as Command;
        fake.calls.push({ command: name, region: this.config.region, input });
        const failure = fake.failing[name];
        if (failure) throw failure;
        const out = name === 'ListHealthChecks' ? fake.list(input) : fake.update(input);
        fake.onCall(name);
        return out;
      }
    }
    return {
      Route53Client,
      ListHealthChecksCommand: class extends Command {
        constructor(input: Record<string, unknown>) {
          super('ListHealthChecks', input);
        }
      },
      UpdateHealthCheckCommand: class extends Command {
        constructor(input: Record<string, unknown>) {
          super('UpdateHealthCheck', input);
        }
      },
    };
  }

  private list(input: Record<string, unknown>) {
    const start = input.Marker ? Number(input.Marker) : 0;
    const page = this.checks.slice(start, start + 2);
    const more = start + 2 < this.checks.length;
    return {
      HealthChecks: structuredClone(page),
      IsTruncated: more,
      NextMarker: more ? String(start + 2) : undefined,
    };
  }

  private update(input: Record<string, unknown>) {
    const hc = this.checks.find((c) => c.Id === input.HealthCheckId);
    if (!hc)
      throw Object.assign(new Error(`No health check ${String(input.HealthCheckId)}`), {
        name: 'NoSuchHealthCheck',
      });
    if (input.HealthCheckVersion !== undefined && input.HealthCheckVersion !== hc.HealthCheckVersion) {
      throw Object.assign(new Error('version mismatch'), { name: 'HealthCheckVersionMismatch' });
    }
    if (typeof input.Inverted === 'boolean') hc.HealthCheckConfig.Inverted = input.Inverted;
    if (typeof input.Disabled === 'boolean') hc.HealthCheckConfig.Disabled = input.Disabled;
    hc.HealthCheckVersion += 1;
    return { HealthCheck: structuredClone(hc) };
  }
}
