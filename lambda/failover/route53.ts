import type { HealthCheckApi, HealthCheckView } from './runbook';

/**
 * The fence's Route 53 calls (the global control plane, signed for us-east-1). The client comes from the Lambda
 * runtime's AWS SDK v3 (every Node.js runtime ships all of its clients, and the bundle leaves `@aws-sdk/*` to the
 * runtime); `@aws-sdk/client-route53` is not a dependency of this repository, so the module is passed in and the
 * tests pass a stand-in with the same shape.
 */

/** The part of `@aws-sdk/client-route53` the fence uses. */
export interface Route53Module {
  readonly Route53Client: new (config: { region: string }) => { send(command: unknown): Promise<unknown> };
  readonly ListHealthChecksCommand: new (input: { Marker?: string; MaxItems?: number }) => unknown;
  readonly UpdateHealthCheckCommand: new (input: {
    HealthCheckId: string;
    HealthCheckVersion: number;
    Inverted: boolean;
    Disabled: boolean;
  }) => unknown;
}

interface ListHealthChecksOutput {
  readonly HealthChecks?: readonly {
    readonly Id?: string;
    readonly HealthCheckVersion?: number;
    readonly HealthCheckConfig?: {
      readonly FullyQualifiedDomainName?: string;
      readonly Inverted?: boolean;
      readonly Disabled?: boolean;
    };
  }[];
  readonly IsTruncated?: boolean;
  readonly NextMarker?: string;
}

/** Route 53's API endpoint is global and signed for us-east-1, whatever region the caller runs in. */
export const ROUTE53_SIGNING_REGION = 'us-east-1';

export function route53HealthChecks(sdk: Route53Module): HealthCheckApi {
  const client = new sdk.Route53Client({ region: ROUTE53_SIGNING_REGION });
  return {
    async findByFqdn(fqdn: string): Promise<HealthCheckView[]> {
      const found: HealthCheckView[] = [];
      let marker: string | undefined;
      for (let page = 0; page < 100; page++) {
        const out = (await client.send(
          new sdk.ListHealthChecksCommand({ Marker: marker, MaxItems: 100 }),
        )) as ListHealthChecksOutput;
        for (const hc of out.HealthChecks ?? []) {
          const cfg = hc.HealthCheckConfig;
          if (!hc.Id || cfg?.FullyQualifiedDomainName?.toLowerCase() !== fqdn.toLowerCase()) continue;
          found.push({
            id: hc.Id,
            fqdn,
            inverted: cfg.Inverted === true,
            disabled: cfg.Disabled === true,
            version: hc.HealthCheckVersion ?? 1,
          });
        }
        if (!out.IsTruncated || !out.NextMarker) return found;
        marker = out.NextMarker;
      }
      throw new Error('ListHealthChecks returned more than 100 pages');
    },
    async setFenced(check: HealthCheckView, fenced: boolean): Promise<void> {
      await client.send(
        new sdk.UpdateHealthCheckCommand({
          HealthCheckId: check.id,
          HealthCheckVersion: check.version,
          Inverted: fenced,
          Disabled: fenced,
        }),
      );
    },
  };
}
