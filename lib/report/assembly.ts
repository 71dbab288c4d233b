import type { CfnTemplate, StackInput } from '../checks';

/** The part of cdk.out/manifest.json the report reads. */
interface ManifestJson {
  readonly artifacts?: Record<
    string,
    {
      readonly type?: string;
      readonly environment?: string;
      readonly displayName?: string;
      readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
    }
  >;
}

/** Thrown when cdk.out is missing or unreadable; the CLI prints the message and asks for a synth. */
export class AssemblyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AssemblyError';
  }
}

/** `aws://account/region` -> region; env-agnostic stacks (`unknown-region`) have none. */
export function regionOfEnvironment(environment: string | undefined): string | undefined {
  const m = /^aws:\/\/[^/]*\/(.+)$/.exec(environment ?? '');
  return m && m[1] !== 'unknown-region' ? m[1] : undefined;
}

/**
 * The CloudFormation stacks of a cloud assembly manifest, with their region and
 * template. `readTemplate` is given the manifest's relative template file name.
 */
export function stacksFromManifest(
  manifest: unknown,
  readTemplate: (templateFile: string) => CfnTemplate,
): StackInput[] {
  const artifacts = (manifest as ManifestJson | undefined)?.artifacts;
  if (!artifacts || typeof artifacts !== 'object') {
    throw new AssemblyError('manifest.json has no "artifacts": not a cloud assembly');
  }
  const stacks: StackInput[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    const templateFile = artifact.properties?.templateFile;
    if (!templateFile) throw new AssemblyError(`stack artifact ${id} names no templateFile`);
    stacks.push({
      stackName: artifact.properties?.stackName ?? artifact.displayName ?? id,
      region: regionOfEnvironment(artifact.environment),
      template: readTemplate(templateFile),
      templatePath: templateFile,
    });
  }
  if (stacks.length === 0) throw new AssemblyError('manifest.json lists no CloudFormation stacks');
  return stacks;
}
