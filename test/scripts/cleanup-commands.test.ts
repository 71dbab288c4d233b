import { execFileSync } from 'node:child_process';
import { cleanupCommands } from '../../scripts/cleanup-commands';
import { loadConfig } from '../../lib/config';

/**
 * Checks each `aws <service> <operation> --option …` against the AWS CLI's own service models
 * (botocore, installed with the CLI): the operation (or waiter) exists and takes every option.
 */
const CHECKER = String.raw`
import sys, json, shlex, botocore.session
from botocore import xform_name
s = botocore.session.get_session()
GLOBAL = {'region', 'query', 'output'}
problems = []
for line in sys.stdin.read().splitlines():
    words = shlex.split(line)
    for start in [i for i, w in enumerate(words) if w == 'aws']:
        cmd = words[start + 1:]
        service, op = cmd[0], cmd[1]
        model = s.get_service_model(service)
        if op == 'wait':
            waiters = s.get_waiter_model(service).waiter_names
            if xform_name(cmd[2], '-') not in [xform_name(w, '-') for w in waiters]: problems.append('no waiter ' + line)
            continue
        names = {xform_name(o, '-'): o for o in model.operation_names}
        if op not in names: problems.append('no operation %s %s' % (service, op)); continue
        members = {xform_name(m, '-') for m in model.operation_model(names[op]).input_shape.members}
        for w in cmd[2:]:
            if not w.startswith('--'): continue
            opt = w[2:]
            if opt in GLOBAL: continue
            if opt.startswith('no-') and opt[3:] in members: continue
            if opt not in members: problems.append('%s %s has no --%s' % (service, op, opt))
print(json.dumps(problems))
`;

function botocoreAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import botocore'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('cleanup-commands', () => {
  const { config } = loadConfig();
  const script = cleanupCommands(config);

  test('GIVEN the default config THEN it names the config’s clusters, global cluster, secrets and stacks in both regions', () => {
    expect(script).toContain(`--db-cluster-identifier ${config.appName}-${config.dr.region}`);
    expect(script).toContain(`--db-cluster-identifier ${config.appName}-${config.primary.region}`);
    expect(script).toMatch(
      new RegExp(
        `delete-global-cluster --region ${config.primary.region} --global-cluster-identifier ${config.appName}-global`,
      ),
    );
    expect(script).toContain(`--secret-id ${config.appName}/db/app-user --force-delete-without-recovery`);
    // DR is detached and deleted before the primary it replicates from.
    expect(script.indexOf(`--stack-name ${config.appName}-secondary`)).toBeLessThan(
      script.indexOf(`--stack-name ${config.appName}-primary`),
    );
  });

  (botocoreAvailable() ? test : test.skip)(
    'GIVEN the printed commands THEN every operation and option exists in the AWS CLI’s service models',
    () => {
      const out = execFileSync('python3', ['-c', CHECKER], { input: script, encoding: 'utf8' });
      expect(JSON.parse(out)).toEqual([]);
    },
  );
});
