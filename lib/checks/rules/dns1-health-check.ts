import type { ResilienceRule } from '../rule';
import { failoverRecords } from './dns-common';

export const Dns1HealthCheck: ResilienceRule = {
  id: 'RES-DNS1',
  description: 'Every Route 53 failover record has a health check.',
  invariant: 'INV-DNS',
  level: 'error',
  evaluate: (app) =>
    failoverRecords(app).map((r) => ({
      stackName: r.stack.stackName,
      logicalId: r.logicalId,
      ...(r.healthCheckId === undefined
        ? { compliant: false, message: `${r.role} ${r.name ?? '?'} has no HealthCheckId` }
        : { compliant: true, message: `${r.role} ${r.name ?? '?'} has a health check` }),
    })),
};
