import type { ScenarioFigures } from '../stats';
import type { Topology } from '../topology/topology';

export type Extra = Record<string, number | string | boolean | null>;

export interface ScenarioContext {
  readonly topo: Topology;
  readonly log: (msg: string) => void;
  /** performance.now() */
  readonly now: () => number;
  /** When the fault was injected (set by the runner just before inject()). */
  faultAt: number;
  /** Measured facts specific to the scenario (breaker opened after N ms, writer back after N ms, ...). */
  readonly extra: Extra;
  readonly notes: string[];
}

export interface Scenario {
  readonly id: string;
  readonly title: string;
  /** Part of the short CI run. */
  readonly ci: boolean;
  /** Why the scenario cannot run on this machine (e.g. it needs root), or undefined when it can. */
  unsupportedHere?(): string | undefined;
  /** The run fails when fewer requests than this share succeed while the fault is in force. */
  readonly minSuccessDuringFault?: number;
  /**
   * Load before the fault, at least: for a scenario whose detection needs a window of steady traffic, as in
   * production, where an instance has been serving for a while when a fault arrives. @default the run's baseline
   */
  readonly minBaselineMs?: number;
  /** How long the fault stays in force, counted from faultAt (inject() may take longer: then clear right after). */
  readonly holdMs: number;
  inject(ctx: ScenarioContext): Promise<void>;
  /** Undo the fault or relaunch the lost capacity (still under load). */
  clear(ctx: ScenarioContext): Promise<void>;
  /** Bring the topology fully back after the load stopped (e.g. rebuild the synchronous standby). */
  restore?(ctx: ScenarioContext): Promise<void>;
  /** Checks specific to the scenario that fail the run; each returns a failure message or undefined. */
  readonly gatingChecks?: readonly ScenarioCheck[];
  /** Checks specific to the scenario, reported only. */
  readonly reportOnlyChecks?: readonly ScenarioCheck[];
}

/** A check against the scenario's measurements and figures: a failure message, or undefined when met. */
export interface ScenarioCheck {
  readonly name: string;
  readonly check: (ctx: ScenarioContext, figures: ScenarioFigures) => string | undefined;
}
