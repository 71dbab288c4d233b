import { DISABLE_CREATION_STACK_TRACES, DISABLE_METADATA_STACK_TRACE } from 'aws-cdk-lib/cx-api';
import { cdkJsonContext } from '../../scripts/cdk-json';

/**
 * The context of an app a test builds: cdk.json's (the feature flags `cdk synth` applies), without
 * the stack traces aws-cdk-lib records as debug metadata on every construct and annotation ("for
 * performance reasons", as its docs put it; `--debug` turns them back on). No test reads them, and
 * under jest's source-mapped stack traces they cost ~0.6 s per synth of the whole app.
 *
 * A module of its own, so a construct test gets it without loading the whole app (helpers/app.ts).
 */
export function testContext(): Record<string, unknown> {
  return {
    ...cdkJsonContext(),
    [DISABLE_CREATION_STACK_TRACES]: true,
    [DISABLE_METADATA_STACK_TRACE]: true,
  };
}
