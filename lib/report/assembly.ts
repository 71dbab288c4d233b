import type { CfnTemplate, StackInput } from '../checks';
import { profileMetadata } from './template-values';

/** The part of cdk.out/manifest.json the report reads. */
interface ManifestJson {
  readonly artifacts?: Record<
    string,
    {
      readonly type?: string;
      readonly environment?: string;
      readonly displayName?: string;
      readonly properties?: { readonly templateFile?: string; readonly stackName?: string };
      readonly dependencies?: readonly string[];
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

/**
 * The assembly is incomplete: a stack without its template, or a stack missing that another
 * names (a synth that failed half-way leaves such a cdk.out behind). The CLI exits 4.
 */
export class PartialAssemblyError extends AssemblyError {
  constructor(message: string) {
    super(message);
    this.name = 'PartialAssemblyError';
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

/**
 * Stacks a complete assembly of this app would hold but this one does not: a
 * dependency of a listed stack that is not in the manifest, and, when the stacks
 * record their profile (HaRef::Profile), a regional role (primary, secondary)
 * that no stack has.
 */
export function missingStacks(manifest: unknown, stacks: readonly StackInput[]): string[] {
  const artifacts = (manifest as ManifestJson | undefined)?.artifacts ?? {};
  const missing: string[] = [];
  for (const [id, artifact] of Object.entries(artifacts)) {
    if (artifact.type !== 'aws:cloudformation:stack') continue;
    for (const dep of artifact.dependencies ?? []) {
      if (!(dep in artifacts)) missing.push(`${dep} (a dependency of ${id})`);
    }
  }
  const roles = stacks.map(profileMetadata).flatMap((p) => (p ? [p.role] : []));
  if (roles.length > 0) {
    for (const role of ['primary', 'secondary'] as const) {
      if (!roles.includes(role))
        missing.push(`the ${role} regional stack (the other stack records a profile)`);
    }
  }
  return missing;
}
