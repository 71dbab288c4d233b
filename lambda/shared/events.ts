import { InvalidEventError } from './errors';

/** The part of an EventBridge scheduled event the handlers use. */
export interface ScheduledEvent {
  readonly kind: 'scheduled';
  /** The scheduled time (identical on every retry of the same event). */
  readonly time: Date;
}

/** The part of an RDS DB cluster snapshot event the copy handler uses. */
export interface ClusterSnapshotEvent {
  readonly kind: 'cluster-snapshot';
  readonly eventId: string;
  readonly snapshotArn: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(v: unknown): string {
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 200 ? `${text.slice(0, 200)}...` : text;
}

/** Accepts only an EventBridge "Scheduled Event"; anything else is refused before any API call. */
export function parseScheduledEvent(event: unknown): ScheduledEvent {
  if (!isObject(event))
    throw new InvalidEventError(`expected an EventBridge scheduled event object, got ${describe(event)}`);
  if (event.source !== 'aws.events' || event['detail-type'] !== 'Scheduled Event') {
    throw new InvalidEventError(
      `expected source "aws.events" and detail-type "Scheduled Event", got source ${describe(event.source)} and detail-type ${describe(event['detail-type'])}`,
    );
  }
  return { kind: 'scheduled', time: parseTime(event.time) };
}

/** Accepts an RDS "DB Cluster Snapshot Event"; the snapshot ARN comes from detail.SourceArn or resources[0]. */
export function parseClusterSnapshotEvent(event: unknown): ClusterSnapshotEvent {
  if (!isObject(event))
    throw new InvalidEventError(`expected an RDS cluster snapshot event object, got ${describe(event)}`);
  if (event.source !== 'aws.rds' || event['detail-type'] !== 'RDS DB Cluster Snapshot Event') {
    throw new InvalidEventError(
      `expected source "aws.rds" and detail-type "RDS DB Cluster Snapshot Event", got ${describe(event.source)} / ${describe(event['detail-type'])}`,
    );
  }
  const detail = isObject(event.detail) ? event.detail : undefined;
  if (!detail) throw new InvalidEventError('RDS event has no detail object');
  const eventId = detail.EventID;
  if (typeof eventId !== 'string') throw new InvalidEventError('RDS event detail has no EventID');
  const resources: unknown[] = Array.isArray(event.resources) ? event.resources : [];
  const arn = typeof detail.SourceArn === 'string' ? detail.SourceArn : resources[0];
  if (
    typeof arn !== 'string' ||
    !/^arn:aws[a-z-]*:rds:[a-z0-9-]+:\d{12}:cluster-snapshot:[a-z][a-z0-9-]*$/i.test(arn)
  ) {
    throw new InvalidEventError(`RDS event does not name a DB cluster snapshot ARN (got ${describe(arn)})`);
  }
  return { kind: 'cluster-snapshot', eventId, snapshotArn: arn };
}

function parseTime(value: unknown): Date {
  const time = typeof value === 'string' ? new Date(value) : undefined;
  if (!time || Number.isNaN(time.getTime()))
    throw new InvalidEventError(`event time ${describe(value)} is not an ISO 8601 timestamp`);
  return time;
}
