/** The durability checks of every drill, against the node that is the writer now (queried directly). */
import { writeName } from './load';
import { APP_DB, type PgNode } from './topology/postgres';

/** Acknowledged writes (ids; `unparseable:` entries count as lost) that `primary` does not hold. */
export async function countLostWrites(primary: PgNode, ids: readonly string[]): Promise<number> {
  const unparseable = ids.filter((id) => !/^[0-9a-f-]{36}$/i.test(id));
  const valid = ids.filter((id) => /^[0-9a-f-]{36}$/i.test(id));
  let found = 0;
  for (let i = 0; i < valid.length; i += 1_000) {
    const batch = valid.slice(i, i + 1_000);
    const rows = await primary.sql<{ n: string }>(
      'SELECT count(*) AS n FROM items WHERE id = ANY($1::uuid[])',
      [batch],
      APP_DB,
    );
    found += Number(rows[0].n);
  }
  return valid.length - found + unparseable.length;
}

/**
 * Logical writes stored more than once: rows sharing one of the scenario's Idempotency-Keys, or its write's unique
 * name (which would also catch a server ignoring the key). The unique index should make this 0 by construction;
 * the check is here so that a regression there, or a client retrying a write without a key, cannot go unnoticed.
 */
export async function countDuplicateWrites(primary: PgNode, keys: readonly string[]): Promise<number> {
  let duplicates = 0;
  for (let i = 0; i < keys.length; i += 1_000) {
    const batch = keys.slice(i, i + 1_000);
    const rows = await primary.sql<{ n: string }>(
      `WITH k AS (SELECT * FROM unnest($1::text[], $2::text[]) AS k(key, name)),
            stored AS (
              SELECT i.id, k.key FROM k JOIN items i ON i.idempotency_key = k.key
              UNION
              SELECT i.id, k.key FROM k JOIN items i ON i.name = k.name
            )
       SELECT count(*) AS n FROM (SELECT key FROM stored GROUP BY key HAVING count(*) > 1) d`,
      [batch, batch.map(writeName)],
      APP_DB,
    );
    duplicates += Number(rows[0].n);
  }
  return duplicates;
}
