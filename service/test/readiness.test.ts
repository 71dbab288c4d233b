import { DbHealthTracker } from '../src/health';
import { evaluateReadiness } from '../src/readiness';

const GRACE = 30000;
const T0 = 1_000_000;

function tracker(): DbHealthTracker {
  const t = new DbHealthTracker(T0);
  t.recordWriter(T0 + 100, { ok: true, inRecovery: false });
  t.recordReader(T0 + 100, { ok: true });
  return t;
}

const ready = (t: DbHealthTracker, now: number, role: 'any' | 'writer' = 'any', draining = false): boolean =>
  evaluateReadiness({ now, role, db: t.snapshot(), graceMs: GRACE, draining }).ready;

describe('readiness grace', () => {
  test('GIVEN the database has never answered THEN not ready (no grace for a database never seen)', () => {
    const t = new DbHealthTracker(T0);
    expect(ready(t, T0 + 1)).toBe(false);
    expect(
      evaluateReadiness({ now: T0 + 1, role: 'any', db: t.snapshot(), graceMs: GRACE, draining: false })
        .reason,
    ).toMatch(/unreachable/);
  });

  test('GIVEN both endpoints stop answering at T THEN ready until T+grace, not ready from T+grace', () => {
    const t = tracker();
    const down = T0 + 10000;
    t.recordWriter(down, { ok: false, error: 'ECONNREFUSED' });
    t.recordReader(down, { ok: false, error: 'ECONNREFUSED' });
    t.recordWriter(down + 5000, { ok: false }); // later failures do not move the start of the outage
    t.recordReader(down + 5000, { ok: false });
    expect(ready(t, down + GRACE - 1)).toBe(true);
    expect(ready(t, down + GRACE)).toBe(false);
  });

  test('GIVEN only the writer is down THEN plain readiness stays ready (the reader answers) beyond the grace', () => {
    const t = tracker();
    t.recordWriter(T0 + 1000, { ok: false });
    expect(ready(t, T0 + 1000 + GRACE * 10)).toBe(true);
    expect(ready(t, T0 + 1000 + GRACE * 10, 'writer')).toBe(false);
  });

  test('GIVEN an outage then recovery THEN a later outage gets a fresh grace', () => {
    const t = tracker();
    t.recordWriter(T0 + 1000, { ok: false });
    t.recordReader(T0 + 1000, { ok: false });
    t.recordReader(T0 + 2000, { ok: true });
    t.recordReader(T0 + 100000, { ok: false });
    expect(t.snapshot().unreachableSince).toBe(T0 + 100000);
    expect(ready(t, T0 + 100000 + GRACE - 1)).toBe(true);
  });

  test('GIVEN draining THEN never ready, whatever the database', () => {
    expect(ready(tracker(), T0 + 200, 'any', true)).toBe(false);
    expect(ready(tracker(), T0 + 200, 'writer', true)).toBe(false);
  });
});

describe('writability (readyz?role=writer)', () => {
  test('GIVEN the writer answers pg_is_in_recovery() = false THEN writer-ready and writable', () => {
    const t = tracker();
    expect(t.snapshot().writable).toBe(true);
    expect(ready(t, T0 + 200, 'writer')).toBe(true);
  });

  test('GIVEN the writer answers in recovery (DR standby) THEN not writer-ready at once, with no grace', () => {
    const t = tracker();
    t.recordWriter(T0 + 200, { ok: true, inRecovery: true });
    expect(t.snapshot().writable).toBe(false);
    expect(ready(t, T0 + 201, 'writer')).toBe(false);
    expect(ready(t, T0 + 201, 'any')).toBe(true);
  });

  test('GIVEN a standby that is promoted THEN the next probe makes it writable (no restart)', () => {
    const t = new DbHealthTracker(T0);
    t.recordWriter(T0 + 100, { ok: true, inRecovery: true });
    expect(ready(t, T0 + 100, 'writer')).toBe(false);
    t.recordWriter(T0 + 2100, { ok: true, inRecovery: false });
    expect(ready(t, T0 + 2100, 'writer')).toBe(true);
  });

  test('GIVEN a writable writer that becomes unreachable THEN writer-ready only within the grace (in-region failover)', () => {
    const t = tracker();
    t.recordWriter(T0 + 1000, { ok: false });
    expect(ready(t, T0 + 1000 + GRACE - 1, 'writer')).toBe(true);
    expect(t.snapshot().writable).toBe(false); // but writes are refused meanwhile
    expect(ready(t, T0 + 1000 + GRACE, 'writer')).toBe(false);
  });

  test('GIVEN a write answered 25006 THEN the tracker marks the database read-only until a probe says otherwise', () => {
    const t = tracker();
    t.markReadOnly(T0 + 500);
    expect(t.snapshot()).toMatchObject({ writable: false, inRecovery: true });
    t.recordWriter(T0 + 600, { ok: true, inRecovery: false });
    expect(t.snapshot().writable).toBe(true);
  });
});
