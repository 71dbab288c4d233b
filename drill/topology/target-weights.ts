/**
 * Stand-in for the ALB's automatic target weights (fleet.loadBalancingAlgorithm `weighted_random`, anomaly
 * mitigation on): the balancer watches each target's answers and gives a target whose error share stands out from
 * the others' a small weight, while its shallow health check still passes; the weight comes back once the target
 * answers without errors again. As the ALB does, it acts only on outliers (a dependency failing for every target,
 * such as a database failover, mitigates nobody), and never on more than half of the targets.
 *
 * The drill polls HAProxy's per-server counters every POLL_MS and sets weights on the admin socket; HAProxy balances
 * with `random(1)` (weighted random) over weight 100 per server, and a mitigated server gets MITIGATED_WEIGHT.
 * Its window (WINDOW_POLLS x POLL_MS = 2 s) is scaled like every other balancer timing of the drill: the ALB's
 * timings divided by ALB_TIME_SCALE (10; its 5 s health-check interval runs as 500 ms here).
 */
import type { Haproxy } from './haproxy';

export const POLL_MS = 500;
export const WINDOW_POLLS = 4;
export const FULL_WEIGHT = 100;
/** About 1/20 of a healthy target's share: enough answers to see it recover, few enough to spare users. */
export const MITIGATED_WEIGHT = 5;

export interface AnomalyPolicy {
  /** Answers a target needs in the window to be judged. */
  readonly minAnswers: number;
  /** A target is an outlier only with at least this error share... */
  readonly minErrorShare: number;
  /** ...and at least this many times the median error share of the targets not mitigated (plus 5 points). */
  readonly outlierFactor: number;
  /** At most this share of the targets is mitigated at once (the ALB: half). */
  readonly maxMitigatedShare: number;
  /** A mitigated target needs this many answers in the window, none an error, to get its weight back. */
  readonly answersToRestore: number;
}

export const ANOMALY_POLICY: AnomalyPolicy = {
  minAnswers: 10,
  minErrorShare: 0.2,
  outlierFactor: 3,
  maxMitigatedShare: 0.5,
  answersToRestore: 3,
};

/** One target's answers in the window (deltas of HAProxy's cumulative counters). */
export interface WindowCounts {
  readonly server: string;
  readonly answers: number;
  /** 5xx answers and failed responses (the target closed or reset the connection). */
  readonly errors: number;
}

function median(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Pure: which targets to mitigate and which to restore, from the window's counts and the targets mitigated now.
 * Worst first, within the cap; a target without enough answers is left as it is.
 */
export function decideWeights(
  window: readonly WindowCounts[],
  mitigated: ReadonlySet<string>,
  policy: AnomalyPolicy = ANOMALY_POLICY,
): { readonly mitigate: string[]; readonly restore: string[] } {
  const share = (w: WindowCounts): number => (w.answers === 0 ? 0 : w.errors / w.answers);
  const restore = window
    .filter((w) => mitigated.has(w.server) && w.answers >= policy.answersToRestore && w.errors === 0)
    .map((w) => w.server);
  const stillMitigated = mitigated.size - restore.length;
  const judged = window.filter((w) => !mitigated.has(w.server) && w.answers >= policy.minAnswers);
  const baseline = median(judged.map(share));
  const cap = Math.floor(window.length * policy.maxMitigatedShare);
  const mitigate = judged
    .filter((w) => share(w) >= policy.minErrorShare && share(w) >= policy.outlierFactor * baseline + 0.05)
    .sort((a, b) => share(b) - share(a))
    .slice(0, Math.max(0, cap - stillMitigated))
    .map((w) => w.server);
  return { mitigate, restore };
}

/** The poller: reads the fleet backend's counters, keeps the window, applies decideWeights on HAProxy. */
export class AutomaticTargetWeights {
  private readonly history: Map<string, { answers: number; errors: number }>[] = [];
  private readonly mitigated = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;

  constructor(
    private readonly haproxy: Haproxy,
    private readonly backend: string,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.tick(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Targets given the mitigated weight right now. */
  get mitigatedNow(): readonly string[] {
    return [...this.mitigated];
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const counters = new Map(
        (await this.haproxy.counters(this.backend)).map((c) => [
          c.server,
          { answers: c.answers, errors: c.errors },
        ]),
      );
      this.history.push(counters);
      if (this.history.length <= WINDOW_POLLS) return;
      const oldest = this.history.shift()!;
      const window = [...counters].map(([server, c]) => ({
        server,
        answers: c.answers - (oldest.get(server)?.answers ?? 0),
        errors: c.errors - (oldest.get(server)?.errors ?? 0),
      }));
      const { mitigate, restore } = decideWeights(window, this.mitigated);
      for (const s of restore) {
        await this.haproxy.command(`set weight ${this.backend}/${s} ${FULL_WEIGHT}`);
        this.mitigated.delete(s);
      }
      for (const s of mitigate) {
        await this.haproxy.command(`set weight ${this.backend}/${s} ${MITIGATED_WEIGHT}`);
        this.mitigated.add(s);
      }
    } catch {
      // HAProxy restarting or busy: the next poll tries again.
    } finally {
      this.busy = false;
    }
  }
}
