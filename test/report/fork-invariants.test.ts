import type { StackInput } from '../../lib/checks';
import { buildReport, REPORT_EXIT, reportExitCode } from '../../lib/report';
import { defaultApp } from '../helpers/app';

/**
 * A fork that breaks an invariant in its templates, and changes no test: the report (and so
 * `npm run report`'s exit code) must fail it on the templates alone.
 */
const app = defaultApp();
const pristine: StackInput[] = Object.entries(app.json).map(([stackName, template]) => ({
  stackName,
  region: stackName.endsWith('-primary')
    ? app.config.primary.region
    : stackName.endsWith('-secondary')
      ? app.config.dr.region
      : 'us-east-1',
  template: template,
}));

function forked(edit: (resource: { Type: string; Properties?: Record<string, any> }) => void): StackInput[] {
  const stacks = structuredClone(pristine);
  const primary = stacks.find((s) => s.stackName.endsWith('-primary'))!;
  for (const r of Object.values(primary.template.Resources ?? {})) edit(r);
  return stacks;
}

function verdict(stacks: StackInput[], invariant: string): string | undefined {
  const region = buildReport(stacks).regions.find((r) => r.region === app.config.primary.region);
  return region?.invariants.find((i) => i.invariant === invariant)?.verdict;
}

test('GIVEN the app as shipped THEN INV-ALB and INV-DNS pass', () => {
  expect(verdict(pristine, 'INV-ALB')).toBe('pass');
  expect(verdict(pristine, 'INV-DNS')).toBe('pass');
});

test('GIVEN a fork whose ALB is internal THEN the report fails INV-ALB (RES-ALB4) and exits 1', () => {
  const stacks = forked((r) => {
    if (r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') r.Properties!.Scheme = 'internal';
  });
  expect(verdict(stacks, 'INV-ALB')).toBe('fail');
  const report = buildReport(stacks);
  const failing = report.regions.flatMap((r) =>
    r.invariants.flatMap((i) => i.checks.filter((c) => c.status === 'fail')),
  );
  expect(failing.map((c) => c.ruleId)).toContain('RES-ALB4');
  expect(reportExitCode(report, { allowBudgetOverrun: true })).toBe(REPORT_EXIT.invariantFails);
});

test('GIVEN a fork whose PRIMARY health check requests the shallow /healthz THEN the report fails INV-DNS (RES-DNS3) and exits 1', () => {
  const stacks = forked((r) => {
    if (r.Type === 'AWS::Route53::HealthCheck') r.Properties!.HealthCheckConfig.ResourcePath = '/healthz';
  });
  expect(verdict(stacks, 'INV-DNS')).toBe('fail');
  const report = buildReport(stacks);
  const failing = report.regions.flatMap((r) =>
    r.invariants.flatMap((i) => i.checks.filter((c) => c.status === 'fail')),
  );
  expect(failing).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        ruleId: 'RES-DNS3',
        message: expect.stringContaining('/healthz, not the readiness check /readyz?role=writer'),
      }),
    ]),
  );
  expect(reportExitCode(report, { allowBudgetOverrun: true })).toBe(REPORT_EXIT.invariantFails);
});
