import { Validations } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ResilienceChecks } from '../../lib/checks';
import { auroraCluster, OfflineStack, snapshotSchedule, testApp } from './fixtures';

describe('ResilienceChecks as a validation plugin', () => {
  let synthError: Error | undefined;

  beforeAll(() => {
    // GIVEN four single-instance writer clusters (each breaks RES-DB1), acknowledged in different ways
    const app = testApp();
    Validations.of(app).addPlugins(new ResilienceChecks());
    const stack = new OfflineStack(app, 'Pack');
    snapshotSchedule(stack, 'us-west-2');
    const writer = (id: string): Construct => {
      const scope = new Construct(stack, id);
      auroraCluster(scope, 'Writer', { instances: 1 });
      return scope;
    };
    writer('Unacknowledged');
    Validations.of(writer('Acknowledged')).acknowledge({
      id: 'RES-DB1',
      reason: 'Test fixture: a dev cluster whose data is disposable.',
    });
    Validations.of(writer('NamespacedAck')).acknowledge({
      id: 'Resilience::RES-DB1',
      reason: 'Test fixture: acknowledged with the pack namespace.',
    });
    Validations.of(writer('NoReason')).acknowledge({ id: 'RES-DB1', reason: ' ' });
    Validations.of(writer('NamespacedNoReason')).acknowledge({ id: 'Resilience::RES-DB1', reason: '' });
    // WHEN the app is synthesized (the plugin runs at the end of synth)
    try {
      app.synth();
    } catch (e) {
      synthError = e as Error;
    }
  });

  test('an unacknowledged error finding fails synth with its rule id and construct path', () => {
    expect(synthError?.message).toMatch(/RES-DB1/);
    expect(synthError?.message).toMatch(/Pack\/Unacknowledged\/Writer/);
    expect(synthError?.message).toMatch(/writer cluster has 1 instance\(s\), at least 2 required/);
  });

  test('an acknowledgement with a reason suppresses the finding of the resources under that construct', () => {
    expect(synthError?.message).not.toMatch(/Pack\/Acknowledged\//);
    expect(synthError?.message).not.toMatch(/Pack\/NamespacedAck\//);
  });

  test('an acknowledgement without a reason is refused and says so', () => {
    expect(synthError?.message).toMatch(/Pack\/NoReason\/Writer/);
    expect(synthError?.message).toMatch(/acknowledgement at Pack\/NoReason refused: no reason given/);
    // the framework's own namespaced suppression must not let it through either
    expect(synthError?.message).toMatch(
      /acknowledgement at Pack\/NamespacedNoReason refused: no reason given/,
    );
  });

  test('thresholds are validated at construction', () => {
    expect(() => new ResilienceChecks({ minAzs: 0 })).toThrow(
      /ResilienceOptions.minAzs must be an integer >= 1, got 0/,
    );
    expect(() => new ResilienceChecks({ snapshotRegionEnvVars: [] })).toThrow(/snapshotRegionEnvVars/);
    expect(() => new ResilienceChecks({ writerReadinessPath: 'readyz?role=writer' })).toThrow(
      /ResilienceOptions.writerReadinessPath must start with \/, got "readyz\?role=writer"/,
    );
  });
});
