import type { ResilienceRule } from '../rule';
import { isObject } from '../stack-model';
import { failoverRecords } from './dns-common';

/** Health check types that request a path (the others cannot probe readiness). */
const PATH_TYPES = ['HTTP', 'HTTPS', 'HTTP_STR_MATCH', 'HTTPS_STR_MATCH'];

export const Dns3ReadinessCheck: ResilienceRule = {
  id: 'RES-DNS3',
  description:
    "Each failover record's health check requests the deep readiness path: writerReadinessPath on PRIMARY, readinessPath on SECONDARY.",
  invariant: 'INV-DNS',
  level: 'error',
  evaluate: (app, options) =>
    failoverRecords(app)
      // RES-DNS1 reports records without a health check.
      .filter((r) => r.healthCheckId !== undefined && (r.role === 'PRIMARY' || r.role === 'SECONDARY'))
      .map((r) => {
        const wanted = r.role === 'PRIMARY' ? options.writerReadinessPath : options.readinessPath;
        const label = `${r.role} ${r.name ?? '?'}`;
        const checkId = r.stack.refTarget(r.healthCheckId);
        const config = checkId ? r.stack.prop(checkId, 'HealthCheckConfig') : undefined;
        let result: { compliant: boolean; message: string };
        if (
          !checkId ||
          r.stack.resources[checkId]?.Type !== 'AWS::Route53::HealthCheck' ||
          !isObject(config)
        ) {
          result = {
            compliant: false,
            message: `${label}: health check is not in this template, cannot verify ${wanted}`,
          };
        } else {
          const type = r.stack.str(config.Type)?.toUpperCase();
          const path = r.stack.str(config.ResourcePath) ?? '/';
          if (!type || !PATH_TYPES.includes(type)) {
            result = {
              compliant: false,
              message: `${label}: ${checkId} is ${type ?? 'of unknown type'}, which requests no path; ${wanted} required`,
            };
          } else if (path !== wanted) {
            result = {
              compliant: false,
              message:
                `${label}: ${checkId} requests ${path}, not the readiness check ${wanted}` +
                (r.role === 'PRIMARY' ? ' (the writer form keeps a demoted region out of DNS)' : ''),
            };
          } else {
            result = { compliant: true, message: `${label}: ${checkId} requests ${path}` };
          }
        }
        return { stackName: r.stack.stackName, logicalId: r.logicalId, ...result };
      }),
};
