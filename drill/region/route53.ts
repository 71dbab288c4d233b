/**
 * A Route 53 stand-in on loopback: health checkers that probe each region's balancer, the failover record's
 * answer, and a resolver cache with the alias TTL. What it copies from Route 53 (the rules, not the scale):
 *  - each checker probes every `intervalMs` (checkers start staggered over the interval, as Route 53's do not
 *    coordinate), fails a probe that does not connect within `connectTimeoutMs` or answer within
 *    `responseTimeoutMs` after connecting, or answers other than 2xx/3xx;
 *  - a checker changes its verdict after `failureThreshold` consecutive probes that disagree with it;
 *  - the check is healthy when more than 18 % of the checkers say so;
 *  - Disabled makes the check healthy whatever the checkers say, Inverted turns the result over: both together
 *    (the runbook's fence) make it unhealthy whatever the region answers;
 *  - the failover record answers PRIMARY when its check is healthy, else SECONDARY when its check is healthy,
 *    else PRIMARY (Route 53 answers the primary when both are unhealthy);
 *  - a resolver keeps an answer for the TTL; each simulated user has its own cache, so caches expire spread out.
 */
import { request } from 'node:http';
import type { HealthCheckApi, HealthCheckView } from '../../lambda/failover/runbook';

export interface HealthCheckTimings {
  readonly intervalMs: number;
  readonly failureThreshold: number;
  readonly connectTimeoutMs: number;
  readonly responseTimeoutMs: number;
  /** Independent checkers (Route 53 uses 15+ locations; a few keep the 18 % rule meaningful). */
  readonly checkers: number;
}

/** Route 53's rule: healthy when more than 18 % of the checkers report healthy. */
export const HEALTHY_SHARE = 0.18;

/** Pure: one checker's verdict after a probe (flip after `threshold` consecutive disagreeing probes). */
export function nextVerdict(
  state: { readonly healthy: boolean; readonly streak: number },
  probeOk: boolean,
  threshold: number,
): { healthy: boolean; streak: number } {
  if (probeOk === state.healthy) return { healthy: state.healthy, streak: 0 };
  const streak = state.streak + 1;
  return streak >= threshold ? { healthy: probeOk, streak: 0 } : { healthy: state.healthy, streak };
}

/** Pure: the check's status from its checkers' verdicts and its Disabled/Inverted flags. */
export function checkStatus(
  verdicts: readonly boolean[],
  flags: { disabled: boolean; inverted: boolean },
): boolean {
  const measured = verdicts.filter(Boolean).length > HEALTHY_SHARE * verdicts.length;
  const base = flags.disabled ? true : measured;
  return flags.inverted ? !base : base;
}

/** Pure: which record of a failover pair Route 53 answers. */
export function failoverAnswer(primaryHealthy: boolean, secondaryHealthy: boolean): 'PRIMARY' | 'SECONDARY' {
  return primaryHealthy || !secondaryHealthy ? 'PRIMARY' : 'SECONDARY';
}

/** One probe: GET url, ok on 2xx/3xx within the connect and response timeouts. */
export function probe(
  url: string,
  t: Pick<HealthCheckTimings, 'connectTimeoutMs' | 'responseTimeoutMs'>,
): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.destroy();
      resolve(ok);
    };
    const req = request(url, { method: 'GET', agent: false }, (res) => {
      res.resume();
      finish((res.statusCode ?? 0) >= 200 && (res.statusCode ?? 0) < 400);
    });
    let timer = setTimeout(() => finish(false), t.connectTimeoutMs);
    req.on('socket', (s) =>
      s.once('connect', () => {
        clearTimeout(timer);
        timer = setTimeout(() => finish(false), t.responseTimeoutMs);
      }),
    );
    req.on('error', () => finish(false));
    req.end();
  });
}

export class HealthCheck {
  inverted = false;
  disabled = false;
  version = 1;
  private readonly verdicts: { healthy: boolean; streak: number }[];
  private timers: NodeJS.Timeout[] = [];
  /** Status changes with their time (performance.now()), for the scenario's timeline. */
  readonly transitions: { at: number; healthy: boolean }[] = [];

  constructor(
    readonly id: string,
    /** The FQDN the check probes (the runbook finds it by this). */
    readonly fqdn: string,
    /** What is probed: the region's balancer URL and path, e.g. http://127.0.0.1:P/readyz?role=writer. */
    public url: string,
    private readonly t: HealthCheckTimings,
    private readonly now: () => number,
  ) {
    // Route 53 starts a new check as healthy once it has passed; the drill starts its checks on a healthy region.
    this.verdicts = Array.from({ length: t.checkers }, () => ({ healthy: true, streak: 0 }));
    this.transitions.push({ at: now(), healthy: true });
  }

  get healthy(): boolean {
    return checkStatus(
      this.verdicts.map((v) => v.healthy),
      this,
    );
  }

  start(): void {
    this.verdicts.forEach((_, i) => {
      const tick = async (): Promise<void> => {
        const before = this.healthy;
        const ok = await probe(this.url, this.t);
        this.verdicts[i] = nextVerdict(this.verdicts[i], ok, this.t.failureThreshold);
        this.noteChange(before);
      };
      const first = setTimeout(
        () => {
          void tick();
          this.timers.push(setInterval(() => void tick(), this.t.intervalMs));
        },
        Math.round((i * this.t.intervalMs) / this.t.checkers),
      );
      this.timers.push(first);
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
  }

  /** UpdateHealthCheck's Disabled/Inverted, with Route 53's version check. */
  update(version: number, flags: { inverted: boolean; disabled: boolean }): void {
    if (version !== this.version)
      throw new Error(`HealthCheckVersionMismatch: ${this.id} is at ${this.version}, got ${version}`);
    const before = this.healthy;
    this.inverted = flags.inverted;
    this.disabled = flags.disabled;
    this.version += 1;
    this.noteChange(before);
  }

  private noteChange(before: boolean): void {
    const after = this.healthy;
    if (after !== before) this.transitions.push({ at: this.now(), healthy: after });
  }
}

/** The failover record of the public name plus the resolver caches of the simulated users. */
export class Route53StandIn {
  private readonly caches = new Map<string, { answer: 'PRIMARY' | 'SECONDARY'; expires: number }>();
  /** Every answer Route 53 gave that differs from the previous one. */
  readonly answerChanges: { at: number; answer: 'PRIMARY' | 'SECONDARY' }[] = [];

  constructor(
    readonly primary: HealthCheck,
    readonly secondary: HealthCheck,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  start(): void {
    this.primary.start();
    this.secondary.start();
  }

  stop(): void {
    this.primary.stop();
    this.secondary.stop();
  }

  /**
   * Forgets every user's cached answer, so the next lookups land at random points of a TTL window again (users
   * idle between scenarios would otherwise all refresh in lockstep and move together, which real users do not).
   */
  forgetCaches(): void {
    this.caches.clear();
  }

  /** What Route 53 answers now. */
  answer(): 'PRIMARY' | 'SECONDARY' {
    const a = failoverAnswer(this.primary.healthy, this.secondary.healthy);
    if (this.answerChanges.at(-1)?.answer !== a) this.answerChanges.push({ at: this.now(), answer: a });
    return a;
  }

  /** What a user's resolver answers: its cached answer until the TTL runs out, then Route 53's. */
  resolve(user: string): 'PRIMARY' | 'SECONDARY' {
    const t = this.now();
    const cached = this.caches.get(user);
    if (cached && cached.expires > t) return cached.answer;
    const answer = this.answer();
    // A user's first lookup lands anywhere in a TTL window, so caches expire spread out, as real users' do.
    const expires = cached ? t + this.ttlMs : t + Math.random() * this.ttlMs;
    this.caches.set(user, { answer, expires });
    return answer;
  }

  /** The runbook's Route 53 port (ListHealthChecks by FQDN, UpdateHealthCheck of the flags). */
  api(): HealthCheckApi {
    const all = [this.primary, this.secondary];
    const view = (c: HealthCheck): HealthCheckView => ({
      id: c.id,
      fqdn: c.fqdn,
      inverted: c.inverted,
      disabled: c.disabled,
      version: c.version,
    });
    return {
      findByFqdn: async (fqdn) => all.filter((c) => c.fqdn === fqdn).map(view),
      setFenced: async (check, fenced) => {
        const c = all.find((x) => x.id === check.id);
        if (!c) throw new Error(`NoSuchHealthCheck: ${check.id}`);
        c.update(check.version, { inverted: fenced, disabled: fenced });
      },
    };
  }
}
