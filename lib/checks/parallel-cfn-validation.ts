import * as path from 'node:path';
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from 'node:worker_threads';
import {
  CloudFormationValidatePlugin,
  type IPolicyValidationContext,
  type PolicyValidationPluginReport,
} from 'aws-cdk-lib';

/**
 * How long validate() waits for the worker before giving up: a worker that died (it reports its
 * own errors, but not e.g. running out of memory) must not hang synth. Validation takes seconds.
 */
const VALIDATION_TIMEOUT_MS = 2 * 60 * 1000;

type WorkerResult = { report: PolicyValidationPluginReport; version?: string } | { error: string };

/**
 * aws-cdk-lib's CloudFormation validator (the same plugin class, rules and report), hosted on a
 * worker thread so its engine starts on the other core while the app is still synthesizing.
 *
 * Why: the engine's initialization (~1 s of WebAssembly, with ~20 full garbage collections) is most
 * of what the validator costs; on the main thread it runs after synthesis and every one of those
 * collections walks the whole construct tree. `prepare()` (called once construction is done)
 * starts it on a small heap in parallel; `validate()` then hands the written templates over and
 * waits, so aws-cdk-lib still receives one synchronous report, exactly as from the built-in plugin.
 * Being a CloudFormationValidatePlugin, it replaces the default instance and keeps its semantics
 * (`@aws-cdk/core:validateAgainstDefaultRules`, acknowledgements, the report's plugin name).
 */
export class ParallelCloudFormationValidation extends CloudFormationValidatePlugin {
  private worker?: Worker;
  private readonly port: MessagePort;
  private readonly done: Int32Array;
  private workerVersion?: string;

  constructor() {
    super();
    const channel = new MessageChannel();
    const signal = new SharedArrayBuffer(4);
    this.port = channel.port1;
    this.done = new Int32Array(signal);
    this.worker = new Worker(path.join(__dirname, 'cfn-validation-worker.js'), {
      workerData: { port: channel.port2, signal },
      transferList: [channel.port2],
    });
    // Never keeps the process alive on its own (e.g. when synthesis fails before validation).
    this.worker.unref();
    // Its failures reach validate() as results; an 'error' event must not crash the app meanwhile.
    this.worker.on('error', () => undefined);
    this.port.unref();
  }

  /** Starts the engine for these resource types on the worker and returns at once. */
  public prepare(resourceTypes: Iterable<string>): void {
    this.port.postMessage({ kind: 'prepare', resourceTypes: [...new Set(resourceTypes)].sort() });
  }

  /** Stops the worker without validating (validate() then runs on this thread). */
  public close(): void {
    const worker = this.worker;
    this.worker = undefined;
    this.port.close();
    if (worker) void worker.terminate();
  }

  public get version(): string | undefined {
    return this.workerVersion ?? super.version;
  }

  public validate(context: IPolicyValidationContext): PolicyValidationPluginReport {
    // Once per worker; a second synthesis of the same app validates on this thread.
    if (!this.worker) return super.validate(context);
    try {
      const stackTemplates = context.stackTemplates.map((s) => ({
        stackConstructPath: s.stackConstructPath,
        templatePath: s.templatePath,
        accountId: s.accountId,
        region: s.region,
      }));
      this.port.postMessage({ kind: 'validate', stackTemplates });
      if (Atomics.wait(this.done, 0, 0, VALIDATION_TIMEOUT_MS) === 'timed-out') {
        throw new Error(
          `CloudFormation validation worker gave no result in ${VALIDATION_TIMEOUT_MS / 1000} s`,
        );
      }
      const result = receiveMessageOnPort(this.port)?.message as WorkerResult | undefined;
      if (!result) throw new Error('CloudFormation validation worker signalled without a result');
      if ('error' in result)
        throw new Error(`CloudFormation validation failed on its worker: ${result.error}`);
      this.workerVersion = result.version;
      return result.report;
    } finally {
      this.close();
    }
  }
}
