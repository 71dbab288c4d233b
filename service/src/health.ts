/**
 * Database health as the service sees it, from periodic probes: the writer endpoint answers
 * `SELECT pg_is_in_recovery()` (so writability comes from the database itself, and a DR region turns writable
 * after promotion without a restart), the reader endpoint answers `SELECT 1`. Pure state, no I/O: unit-tested.
 */

export interface ProbeResult {
  readonly ok: boolean;
  /** Writer probe only: pg_is_in_recovery() (true on a standby / read-only region). */
  readonly inRecovery?: boolean;
  readonly error?: string;
}

export interface EndpointHealth {
  readonly reachable: boolean;
  /** Since when the probes have failed (undefined while reachable). */
  readonly failingSince?: number;
  readonly lastOkAt?: number;
  readonly lastError?: string;
}

export interface DbHealth {
  /** The writer or the reader answered the latest probe. */
  readonly reachable: boolean;
  /** The writer answered the latest probe, is not in recovery and is not refusing writes for want of resources. */
  readonly writable: boolean;
  /**
   * Why writes fail although the writer answers (e.g. disk full, 53100), until a write succeeds again; undefined
   * while writes work.
   */
  readonly writeBlocked?: string;
  /** Last known pg_is_in_recovery() of the writer endpoint (undefined if never answered). */
  readonly inRecovery?: boolean;
  /** Since when neither endpoint answered (undefined while reachable). */
  readonly unreachableSince?: number;
  /** Whether the database ever answered since start (a never-reachable database gets no grace). */
  readonly everReachable: boolean;
  readonly writer: EndpointHealth;
  readonly reader: EndpointHealth;
}

interface MutableEndpoint {
  reachable: boolean;
  failingSince?: number;
  lastOkAt?: number;
  lastError?: string;
}

export class DbHealthTracker {
  private readonly writer: MutableEndpoint;
  private readonly reader: MutableEndpoint;
  private inRecovery?: boolean;
  private everReachable = false;
  private writeBlocked?: string;

  constructor(startedAt: number) {
    // Unknown until the first probe: counted as failing since start, so readiness waits for a real answer.
    this.writer = { reachable: false, failingSince: startedAt };
    this.reader = { reachable: false, failingSince: startedAt };
  }

  recordWriter(now: number, result: ProbeResult): void {
    this.record(this.writer, now, result);
    if (result.ok && result.inRecovery !== undefined) this.inRecovery = result.inRecovery;
  }

  recordReader(now: number, result: ProbeResult): void {
    this.record(this.reader, now, result);
  }

  /** A write answered 25006 read_only_sql_transaction: the writer is a standby until a probe says otherwise. */
  markReadOnly(now: number): void {
    this.inRecovery = true;
    this.record(this.writer, now, { ok: true, inRecovery: true });
  }

  /** A write failed for want of a resource (class 53): the writer cannot write, whatever its probe says. */
  markWriteBlocked(reason: string): void {
    this.writeBlocked = reason;
  }

  /** A write succeeded (a request's or the probe's). */
  markWriteSucceeded(): void {
    this.writeBlocked = undefined;
  }

  snapshot(): DbHealth {
    const reachable = this.writer.reachable || this.reader.reachable;
    return {
      reachable,
      writable: this.writer.reachable && this.inRecovery === false && this.writeBlocked === undefined,
      writeBlocked: this.writeBlocked,
      inRecovery: this.inRecovery,
      unreachableSince: reachable
        ? undefined
        : Math.max(this.writer.failingSince ?? -Infinity, this.reader.failingSince ?? -Infinity),
      everReachable: this.everReachable,
      writer: { ...this.writer },
      reader: { ...this.reader },
    };
  }

  private record(endpoint: MutableEndpoint, now: number, result: ProbeResult): void {
    if (result.ok) {
      endpoint.reachable = true;
      endpoint.failingSince = undefined;
      endpoint.lastOkAt = now;
      endpoint.lastError = undefined;
      this.everReachable = true;
    } else {
      if (endpoint.reachable || endpoint.failingSince === undefined) endpoint.failingSince = now;
      endpoint.reachable = false;
      endpoint.lastError = result.error;
    }
  }
}
