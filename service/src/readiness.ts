/**
 * /readyz decision. Plain form (Route 53 SECONDARY): the database answers, or answered until less than the grace
 * ago (an in-region Aurora failover must not fail the region). Writer form (PRIMARY): additionally the writer
 * endpoint accepts writes; a writer that answers "in recovery" or whose writes fail for want of resources (disk
 * full) fails at once, an unreachable one that was writable gets the same grace. A cache outage never fails readiness. Draining always fails it.
 */
import { DbHealth } from './health';

export type ReadinessRole = 'any' | 'writer';

export interface ReadinessInput {
  readonly now: number;
  readonly role: ReadinessRole;
  readonly db: DbHealth;
  readonly graceMs: number;
  readonly draining: boolean;
}

export interface Readiness {
  readonly ready: boolean;
  readonly reason: string;
}

export function evaluateReadiness(input: ReadinessInput): Readiness {
  const { now, role, db, graceMs, draining } = input;
  if (draining) return { ready: false, reason: 'draining (shutting down)' };

  const withinGrace = (since: number | undefined): boolean =>
    db.everReachable && since !== undefined && now - since < graceMs;

  if (role === 'writer') {
    if (db.writeBlocked !== undefined) {
      return { ready: false, reason: `writer cannot write: ${db.writeBlocked}` };
    }
    if (db.writer.reachable) {
      return db.inRecovery === false
        ? { ready: true, reason: 'writer reachable and writable' }
        : { ready: false, reason: 'database is read-only (pg_is_in_recovery() = true)' };
    }
    if (db.inRecovery === false && withinGrace(db.writer.failingSince)) {
      return { ready: true, reason: `writer unreachable for less than the ${graceMs / 1000}s grace` };
    }
    return { ready: false, reason: 'writer unreachable' + (db.everReachable ? ' beyond the grace' : '') };
  }

  if (db.reachable) return { ready: true, reason: 'database reachable' };
  if (withinGrace(db.unreachableSince)) {
    return { ready: true, reason: `database unreachable for less than the ${graceMs / 1000}s grace` };
  }
  return { ready: false, reason: 'database unreachable' + (db.everReachable ? ' beyond the grace' : '') };
}
