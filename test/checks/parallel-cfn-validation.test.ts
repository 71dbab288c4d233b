import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CloudFormationValidatePlugin, type IPolicyValidationContext } from 'aws-cdk-lib';
import { ParallelCloudFormationValidation } from '../../lib/checks/parallel-cfn-validation';

// A template the validator must flag: a bucket with a property S3 does not have, and a queue
// whose retention is out of range.
const FLAWED = {
  Resources: {
    Bucket: { Type: 'AWS::S3::Bucket', Properties: { NotAProperty: true } },
    Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 5 } },
  },
};

describe('ParallelCloudFormationValidation', () => {
  let dir: string;
  let context: IPolicyValidationContext;
  /** What aws-cdk-lib's own plugin reports on this thread: the reference. */
  let reference: ReturnType<CloudFormationValidatePlugin['validate']>;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parallel-cfn-'));
    const templatePath = path.join(dir, 'Flawed.template.json');
    fs.writeFileSync(templatePath, JSON.stringify(FLAWED));
    context = {
      stackTemplates: [
        { stackConstructPath: 'Flawed', templatePath, accountId: '111111111111', region: 'us-east-1' },
      ],
    } as unknown as IPolicyValidationContext;
    reference = new CloudFormationValidatePlugin().validate(context);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A context naming a template file that does not exist. */
  const missingTemplateContext = () =>
    ({
      stackTemplates: [{ stackConstructPath: 'Gone', templatePath: path.join(dir, 'gone.template.json') }],
    }) as unknown as IPolicyValidationContext;

  const summary = (report: ReturnType<CloudFormationValidatePlugin['validate']>) =>
    report.violations.map((v) => `${v.ruleName} ${v.severity} ${v.description}`).sort();

  test('GIVEN a prepared worker THEN its report equals the one aws-cdk-lib gives on this thread', () => {
    const parallel = new ParallelCloudFormationValidation();
    parallel.prepare(['AWS::S3::Bucket', 'AWS::SQS::Queue']);
    const fromWorker = parallel.validate(context);
    expect(summary(fromWorker).length).toBeGreaterThanOrEqual(2);
    expect(summary(fromWorker)).toEqual(summary(reference));
    expect(fromWorker.success).toBe(reference.success);
    expect(parallel.version).toBe(new CloudFormationValidatePlugin().version);
  });

  test('GIVEN types it was not prepared for THEN it still validates them, and a second validation runs on this thread', () => {
    const parallel = new ParallelCloudFormationValidation();
    parallel.prepare(['AWS::EC2::VPC']);
    expect(summary(parallel.validate(context))).toEqual(summary(reference));
    expect(summary(parallel.validate(context))).toEqual(summary(reference));
  });

  test('GIVEN a template that cannot be read THEN the error names it', () => {
    const parallel = new ParallelCloudFormationValidation();
    const missing = missingTemplateContext();
    expect(() => parallel.validate(missing)).toThrow(
      /CloudFormation validation failed on its worker: .*gone\.template\.json/s,
    );
  });

  test('GIVEN a closed instance THEN it validates on this thread', () => {
    const parallel = new ParallelCloudFormationValidation();
    parallel.close();
    const missing = missingTemplateContext();
    let error: unknown;
    try {
      parallel.validate(missing);
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/ENOENT.*gone\.template\.json/);
    expect(String(error)).not.toMatch(/on its worker/);
  });
});
