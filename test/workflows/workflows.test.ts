import * as fs from 'node:fs';
import * as path from 'node:path';
import { stackName } from '../../lib/config';
import { smokePlan } from '../../lib/delivery/smoke-test';
import { deployPlan } from '../../scripts/deploy-plan';
import { defaultApp } from '../helpers/app';
import {
  ROOT,
  ciRunCommands,
  commandsOfScript,
  isSubsequence,
  jobCommands,
  readWorkflow,
  readmeQuickStartCommands,
  type Job,
  type Workflow,
} from './commands';

const ci = readWorkflow('ci.yml');
const deploy = readWorkflow('deploy.yml');
const WORKFLOWS: readonly [string, { workflow: Workflow; text: string }][] = [
  ['ci.yml', ci],
  ['deploy.yml', deploy],
];
const readme = readmeQuickStartCommands(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
const ciRun = ciRunCommands(fs.readFileSync(path.join(ROOT, '.ci', 'run'), 'utf8'));

function onlyJob(w: Workflow): Job {
  const jobs = Object.values(w.jobs);
  expect(jobs).toHaveLength(1);
  return jobs[0];
}

describe('the parsers the checks below rely on', () => {
  test('GIVEN the README WHEN its Quick start is read THEN it yields npm commands, comments and && split off', () => {
    expect(readme.commands).toEqual(expect.arrayContaining(['npm ci', 'npm run synth', 'npm test']));
    expect(readme.commands.every((c) => c.startsWith('npm ') && !c.includes('#') && !c.includes('&&'))).toBe(
      true,
    );
  });

  test('GIVEN a step script WHEN parsed THEN redirections and quiet flags are dropped', () => {
    expect(
      commandsOfScript('status=0\nnpm run -s report > "$X/r.md" || status=$?\nnpm ci --no-audit && npm test'),
    ).toEqual(['npm run report', 'npm ci', 'npm test']);
  });
});

describe('ci.yml runs the README commands as .ci/run runs them', () => {
  const job = onlyJob(ci.workflow);
  const commands = jobCommands(job);

  test('GIVEN .ci/run WHEN its commands are read THEN each README command is run there, or the README says it is not', () => {
    for (const c of readme.commands) {
      if (ciRun.includes(c)) continue;
      // A README command that CI skips must be named as such ("all but `npm run check`").
      expect(readme.prose).toMatch(new RegExp(`all but \`${c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\``));
    }
    expect(ciRun.filter((c) => readme.commands.includes(c)).length).toBeGreaterThanOrEqual(5);
  });

  test('GIVEN the CI job WHEN its run steps are read THEN it runs every .ci/run command in the same order', () => {
    expect(isSubsequence(ciRun, commands)).toBe(true);
  });

  test('GIVEN the CI job THEN the servers are installed the way .ci/run installs them, before the tests that need them', () => {
    const install = ciRun.find((c) => c.startsWith('bash .ci/install-servers.sh'));
    expect(install).toBeDefined();
    const at = commands.indexOf(install!);
    expect(at).toBeGreaterThan(-1);
    expect(at).toBeLessThan(commands.indexOf('npm run test:integration'));
  });

  test('GIVEN the CI job THEN the report goes to the job summary and cdk.out + the report are uploaded', () => {
    const report = job.steps.find(
      (s) => s.run !== undefined && commandsOfScript(s.run).includes('npm run report'),
    );
    expect(report?.run).toContain('$GITHUB_STEP_SUMMARY');
    const uploads = job.steps.filter((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(uploads.map((s) => s.with?.path)).toEqual(expect.arrayContaining(['cdk.out']));
    expect(uploads.map((s) => s.with?.name)).toEqual(
      expect.arrayContaining(['cdk.out', 'resilience-report']),
    );
  });

  test('GIVEN the CI job THEN Node comes from package.json (engines), the version the project supports', () => {
    const setup = job.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setup?.with?.['node-version-file']).toBe('package.json');
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.engines?.node).toBeDefined();
  });

  test('GIVEN ci.yml THEN it runs on pull requests and pushes with read-only contents and nothing else', () => {
    expect(Object.keys(ci.workflow.on)).toEqual(expect.arrayContaining(['pull_request', 'push']));
    expect(ci.workflow.permissions).toEqual({ contents: 'read' });
    expect(job.permissions).toBeUndefined();
  });
});

describe('deploy.yml deploys in the order of the stack dependencies', () => {
  const job = deploy.workflow.jobs.deploy;
  // The default app's assembly (no policy packs) gives the dependencies the CLI's --all would follow.
  const app = defaultApp();
  const { assembly } = app;
  const plan = deployPlan(app.config, 'hnb659fds');

  const deploySteps = job.steps.filter((s) => s.run !== undefined && /\bcdk deploy\b/.test(s.run));
  const deployedStacks = deploySteps.map((s) => {
    const stack = s.env?.STACK;
    const ref = /steps\.plan\.outputs\.(\w+)/.exec(typeof stack === 'string' ? stack : '');
    expect(ref).not.toBeNull();
    return plan[ref![1]];
  });

  test('GIVEN the deploy job THEN it deploys each stack of the app exactly once, one stack per step', () => {
    expect([...deployedStacks].sort()).toEqual(assembly.stacks.map((s) => s.stackName).sort());
    for (const s of deploySteps) expect(s.run).toMatch(/--exclusively "\$STACK"/);
  });

  test('GIVEN the synthesized assembly WHEN each stack is deployed THEN every stack it depends on was deployed before it', () => {
    const stackDependencies = (name: string) =>
      assembly
        .getStackByName(name)
        .dependencies.filter((d) => assembly.stacks.some((s) => s.id === d.id))
        .map((d) => assembly.getStackArtifact(d.id).stackName);
    // The dependencies the app declares and synth adds (the monitoring stack reads both regions).
    expect(stackDependencies(stackName(app.config, 'secondary'))).toContain(stackName(app.config, 'primary'));
    expect(stackDependencies(stackName(app.config, 'global-monitoring')).length).toBeGreaterThan(0);
    for (const [i, name] of deployedStacks.entries()) {
      const notYetDeployed = stackDependencies(name).filter(
        (dep) => !deployedStacks.slice(0, i).includes(dep),
      );
      expect({ stack: name, notYetDeployed }).toEqual({ stack: name, notYetDeployed: [] });
    }
    // The order the README states: the DR keys stack, primary, DR, then the us-east-1 monitoring stack.
    expect(stackDependencies(stackName(app.config, 'primary'))).toContain(plan.keys_stack);
    expect(deployedStacks).toEqual([
      plan.keys_stack,
      stackName(app.config, 'primary'),
      stackName(app.config, 'secondary'),
      stackName(app.config, 'global-monitoring'),
    ]);
  });

  test('GIVEN the deploy job THEN cdk diff goes to the job summary before the first deploy, and the smoke test runs after the last', () => {
    const index = (re: RegExp) => job.steps.findIndex((s) => s.run !== undefined && re.test(s.run));
    const diff = index(/\bcdk diff\b/);
    expect(job.steps[diff].run).toContain('$GITHUB_STEP_SUMMARY');
    expect(diff).toBeLessThan(job.steps.indexOf(deploySteps[0]));
    expect(index(/npm run -s smoke-test|npm run smoke-test/)).toBeGreaterThan(
      job.steps.indexOf(deploySteps[deploySteps.length - 1]),
    );
  });

  test('GIVEN the synthesized templates THEN the smoke test looks for alarms and health checks that exist, on the paths it expects', () => {
    const smoke = smokePlan(app.config);
    const alarmNames = Object.values(app.json[plan.monitoring_stack].Resources)
      .filter((r) => r.Type === 'AWS::CloudWatch::Alarm')
      .map((r) => r.Properties.AlarmName);
    expect(alarmNames).toEqual(expect.arrayContaining(smoke.alarms.map((a) => a.alarmName)));
    for (const [stack, h] of [plan.primary_stack, plan.secondary_stack].map(
      (s, i) => [s, smoke.healthChecks[i]] as const,
    )) {
      const [check] = Object.values(app.json[stack].Resources).filter(
        (r) => r.Type === 'AWS::Route53::HealthCheck',
      );
      expect(check.Properties.HealthCheckConfig.FullyQualifiedDomainName).toBe(h.fqdn);
      // Default config: both checks are expected healthy on the paths the templates give them.
      expect(h.healthyFor(check.Properties.HealthCheckConfig.ResourcePath)).toBe(true);
    }
  });

  test('GIVEN deploy.yml THEN it is dispatched per environment and the deploy job runs in that GitHub environment (approval for production)', () => {
    const inputs = deploy.workflow.on.workflow_dispatch.inputs;
    expect(inputs.environment).toMatchObject({ type: 'environment', required: true });
    expect(inputs.config).toMatchObject({ required: true });
    expect(job.environment).toEqual({ name: '${{ inputs.environment }}' });
  });

  test('GIVEN the teardown job THEN it never runs for production, refuses a profile other than minimal and runs the cleanup script', () => {
    const teardown = deploy.workflow.jobs.teardown;
    expect(teardown.if).toContain("inputs.environment != 'production'");
    expect(teardown.if).toContain('inputs.teardown');
    const guard = teardown.steps.find((s) => s.env?.DR_STRATEGY !== undefined);
    expect(guard?.run).toMatch(/!= minimal/);
    expect(jobCommands(teardown)).toContain('npm run cleanup-commands -- -c config="$CONFIG"');
  });
});

describe.each(WORKFLOWS)('%s: supply chain and credentials', (_name, { workflow, text }) => {
  const steps = Object.values(workflow.jobs).flatMap((j) => j.steps);

  test('GIVEN every step that uses an action THEN the action is pinned by a 40-hex commit SHA with its tag in a comment', () => {
    const uses = steps.filter((s) => s.uses !== undefined);
    expect(uses.length).toBeGreaterThan(0);
    for (const s of uses) {
      if (s.uses!.startsWith('./')) continue;
      expect(s.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
      expect(text).toMatch(new RegExp(`uses: ${s.uses!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} # v\\d`));
    }
  });

  test('GIVEN every step, job and the workflow THEN no static AWS key is passed, only a role to assume', () => {
    const envs = [
      workflow.env,
      ...Object.values(workflow.jobs).map((j) => j.env),
      ...steps.map((s) => s.env),
    ];
    for (const env of envs) {
      expect(Object.keys(env ?? {})).not.toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/),
        ]),
      );
    }
    for (const s of steps.filter((x) => x.uses?.startsWith('aws-actions/configure-aws-credentials@'))) {
      expect(Object.keys(s.with ?? {})).not.toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^aws-(access-key-id|secret-access-key|session-token)$/),
        ]),
      );
      expect(s.with?.['role-to-assume']).toBeDefined();
    }
    expect(text).not.toMatch(/secrets\.AWS_(ACCESS|SECRET)/);
  });

  test('GIVEN the permissions THEN each job gets only contents: read, plus id-token: write where it assumes an AWS role', () => {
    expect(workflow.permissions === undefined || typeof workflow.permissions === 'object').toBe(true);
    const top = (workflow.permissions ?? {}) as Record<string, string>;
    for (const job of Object.values(workflow.jobs)) {
      const granted = { ...top, ...((job.permissions ?? {}) as Record<string, string>) };
      const assumesRole = job.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      expect(granted).toEqual(assumesRole ? { contents: 'read', 'id-token': 'write' } : { contents: 'read' });
    }
  });
});
