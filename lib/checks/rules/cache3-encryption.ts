import type { ResilienceRule } from '../rule';
import { forEachResource, verdict } from '../rule';
import { REPLICATION_GROUP } from './cache1-automatic-failover';

export const Cache3Encryption: ResilienceRule = {
  id: 'RES-CACHE3',
  description: 'Each ElastiCache replication group encrypts in transit (TLS) and at rest.',
  invariant: 'INV-CACHE',
  level: 'error',
  evaluate: (app) =>
    forEachResource(app, REPLICATION_GROUP, (stack, _id, props) => {
      const problems: string[] = [];
      if (stack.bool(props.TransitEncryptionEnabled) !== true)
        problems.push('TransitEncryptionEnabled is not true');
      if (stack.str(props.TransitEncryptionMode)?.toLowerCase() === 'preferred') {
        problems.push('TransitEncryptionMode preferred still accepts plaintext');
      }
      if (stack.bool(props.AtRestEncryptionEnabled) !== true)
        problems.push('AtRestEncryptionEnabled is not true');
      return verdict(problems, 'TLS in transit, encrypted at rest');
    }),
};
