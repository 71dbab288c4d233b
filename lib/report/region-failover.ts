import type { AppModel } from '../checks';
import { failoverRecords } from '../checks/rules/dns-common';
import { constantTerm, sum, templateTerm } from './terms';
import {
  autoScalingGroups,
  failoverRecordProps,
  readinessGrace,
  route53HealthCheck,
} from './template-values';
import type { RegionFailoverModel, Term } from './types';

/**
 * Time for DNS to move traffic off the PRIMARY region: Route 53 sees the
 * health check fail (request interval × failure threshold, plus the checker
 * timeout of the last request), after the service's readiness grace has run
 * out (worst case: the database is gone but instances still answer), then
 * resolvers drop the cached answer (alias-to-ALB TTL). The Global Database
 * failover the runbook performs comes after and is operator-triggered, so it
 * is listed separately. `globalDatabase` says whether the app has one.
 */
export function regionFailover(app: AppModel, globalDatabase: boolean): RegionFailoverModel[] {
  const records = failoverRecords(app);
  return records
    .filter((r) => r.role === 'PRIMARY')
    .map((primary) => {
      const { stack } = primary;
      const unresolved: string[] = [];
      const terms: Term[] = [];

      const hcId = stack.refTarget(primary.healthCheckId);
      const hc = hcId ? route53HealthCheck(stack, hcId) : undefined;
      if (hc?.requestInterval && hc.failureThreshold) {
        const { requestInterval: i, failureThreshold: n } = hc;
        terms.push(
          templateTerm(
            `Route 53 detection: request interval ${i.value} s × failure threshold ${n.value}`,
            i.value * n.value,
            i.ref,
            n.ref,
          ),
        );
      } else {
        unresolved.push(
          hc
            ? `${stack.stackName}/${hc.logicalId}: RequestInterval and FailureThreshold must be literal`
            : `${stack.stackName}/${primary.logicalId}: the PRIMARY record has no health check of this template`,
        );
      }
      terms.push(constantTerm('route53ConnectTimeout'), constantTerm('route53ResponseTimeout'));

      const launchTemplate = autoScalingGroups(stack).find((g) => g.launchTemplate)?.launchTemplate;
      const grace = readinessGrace(stack, launchTemplate);
      terms.push(
        grace
          ? templateTerm(`readiness grace READINESS_GRACE_SECONDS=${grace.value}`, grace.value, grace.ref)
          : constantTerm(
              'serviceReadinessGraceDefault',
              'readiness grace (not in the template: service default)',
            ),
      );

      const props = failoverRecordProps(stack, primary.logicalId, 'PRIMARY');
      if (props.AliasTarget !== undefined) {
        terms.push(constantTerm('elbAliasTtl', 'DNS: alias record TTL (load balancer target)'));
      } else {
        const ttl = stack.num(props.TTL);
        if (ttl !== undefined) {
          terms.push(
            templateTerm(`DNS: record TTL ${ttl} s`, ttl, `${stack.stackName}/${primary.logicalId}.TTL`),
          );
        } else unresolved.push(`${stack.stackName}/${primary.logicalId}: record TTL is not literal`);
      }

      const secondaries = records.filter(
        (r) => r.role === 'SECONDARY' && r.name === primary.name && (r.type ?? '') === (primary.type ?? ''),
      );
      return {
        fromRegion: stack.region ?? 'region-agnostic',
        toRegions: [...new Set(secondaries.map((s) => s.stack.region ?? 'region-agnostic'))],
        stackName: stack.stackName,
        record: primary.logicalId,
        healthCheck: hcId ?? 'none',
        dns: sum(...terms),
        databaseFailover: globalDatabase
          ? sum(constantTerm('globalDbFailover', 'Global Database failover (runbook, operator-triggered)'))
          : undefined,
        unresolved,
      };
    });
}
