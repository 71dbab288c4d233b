import * as ssm from 'aws-cdk-lib/aws-ssm';
import { Construct } from 'constructs';

export interface RuntimeParametersProps {
  /** Parameter path, e.g. /ha-ref/runtime; each parameter is <path>/<VARIABLE>. */
  readonly path: string;
  /** Environment variable name → value (endpoints and secret names; never a secret value). */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Publishes what the instances need to find their dependencies as SSM parameters, one per
 * environment variable: instances read the path at boot, so nothing is hard-coded in user data
 * and a changed endpoint needs no new launch template.
 */
export class RuntimeParameters extends Construct {
  public readonly parameters: ssm.StringParameter[] = [];

  constructor(scope: Construct, id: string, props: RuntimeParametersProps) {
    super(scope, id);
    if (!/^\/[A-Za-z0-9_.\-/]+[^/]$/.test(props.path)) {
      throw new Error(`RuntimeParameters: path = ${props.path}; must start with / and not end with /`);
    }
    for (const [name, value] of Object.entries(props.values)) {
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) {
        throw new Error(`RuntimeParameters: ${name} must be an environment variable name (A-Z, 0-9, _)`);
      }
      this.parameters.push(
        new ssm.StringParameter(this, name, {
          parameterName: `${props.path}/${name}`,
          stringValue: value,
          description: `Service environment ${name}`,
        }),
      );
    }
  }
}
