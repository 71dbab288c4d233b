import type { ResilienceRule } from '../rule';
import { failoverRecords } from './dns-common';

const PARTNER: Record<string, string> = { PRIMARY: 'SECONDARY', SECONDARY: 'PRIMARY' };

export const Dns2FailoverPair: ResilienceRule = {
  id: 'RES-DNS2',
  description:
    'Every Route 53 failover record has its partner role (PRIMARY/SECONDARY) for the same name and type somewhere in the app.',
  invariant: 'INV-DNS',
  level: 'error',
  evaluate: (app) => {
    const records = failoverRecords(app);
    return records.map((r) => {
      const partnerRole = PARTNER[r.role];
      const partners = records.filter(
        (p) =>
          p.role === partnerRole &&
          p.name === r.name &&
          p.type === r.type &&
          (p.zone === undefined || r.zone === undefined || p.zone === r.zone),
      );
      const label = `${r.role} ${r.name ?? '?'} ${r.type ?? '?'}`;
      let result: { compliant: boolean; message: string };
      if (!partnerRole)
        result = { compliant: false, message: `${label}: Failover must be PRIMARY or SECONDARY` };
      else if (r.name === undefined)
        result = { compliant: false, message: `${label}: Name is not a literal` };
      else if (partners.length === 0)
        result = { compliant: false, message: `${label}: no ${partnerRole} record in the app` };
      else
        result = {
          compliant: true,
          message: `${label}: ${partnerRole} in ${partners.map((p) => p.stack.stackName).join(', ')}`,
        };
      return { stackName: r.stack.stackName, logicalId: r.logicalId, ...result };
    });
  },
};
