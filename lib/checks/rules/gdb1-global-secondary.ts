import type { ResilienceRule } from '../rule';
import type { RuleCheck } from '../types';
import { DB_CLUSTER, GLOBAL_CLUSTER } from './db-common';

export const Gdb1GlobalSecondary: ResilienceRule = {
  id: 'RES-GDB1',
  description: 'Each Aurora global cluster has a member cluster in another region somewhere in the app.',
  invariant: 'INV-DB',
  level: 'error',
  evaluate: (app) => {
    // Every DB cluster of the app that names a global cluster, with where it lives.
    const members = app.stacks.flatMap((stack) =>
      stack.ofType(DB_CLUSTER).flatMap(([id, c]) => {
        const globalId = stack.str(c.Properties?.GlobalClusterIdentifier);
        return globalId ? [{ stack, id, globalId: globalId.toLowerCase() }] : [];
      }),
    );
    const checks: RuleCheck[] = [];
    for (const stack of app.stacks) {
      for (const [id, g] of stack.ofType(GLOBAL_CLUSTER)) {
        const globalId = stack.str(g.Properties?.GlobalClusterIdentifier)?.toLowerCase();
        const remote = members.filter(
          (m) =>
            m.globalId === globalId &&
            m.stack !== stack &&
            (m.stack.region === undefined || stack.region === undefined || m.stack.region !== stack.region),
        );
        checks.push({
          stackName: stack.stackName,
          logicalId: id,
          ...(globalId === undefined
            ? {
                compliant: false,
                message: 'GlobalClusterIdentifier is not a literal, so no secondary can name it',
              }
            : remote.length > 0
              ? {
                  compliant: true,
                  message: `secondary ${remote.map((m) => `${m.stack.stackName}/${m.id} (${m.stack.region ?? 'region unknown'})`).join(', ')}`,
                }
              : {
                  compliant: false,
                  message: `no DB cluster in another region joins global cluster ${globalId}`,
                }),
        });
      }
    }
    return checks;
  },
};
