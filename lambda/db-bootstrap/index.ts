import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
// pg is external to this bundle: on Lambda it loads from the pg layer (lib/constructs/pg-layer.ts).
import { Client, escapeIdentifier, escapeLiteral } from 'pg';
import { createLogger } from '../shared/logger';

/**
 * Custom resource (CDK Provider onEvent) that creates the service's least-privilege database
 * user, idempotently. Run with the master secret, inside the VPC, over verified TLS.
 *
 * Create/Update:
 *   - role <Username> (LOGIN) and role <Username>_clone (LOGIN, member of <Username>, acting as it)
 *     exist: the multi-user rotation alternates between them, and the clone's default role makes
 *     every object it creates belong to <Username>;
 *   - schema <Schema> exists and the user may use and create in it; CONNECT on the database;
 *   - the user the app secret currently names has the secret's current password (so a redeploy
 *     never breaks a running service, and a first deploy makes the secret true).
 * Delete: nothing (the cluster keeps a final snapshot; dropping users is an operator decision).
 *
 * Properties: Host, Port, Database, Username, Schema, MasterSecretArn, AppSecretArn.
 */

const secrets = new SecretsManagerClient({});
const log = createLogger('db-bootstrap');

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
/** PostgreSQL SQLSTATE for a wrong password: the master secret may be mid-rotation. */
const INVALID_PASSWORD = '28P01';

export interface BootstrapProperties {
  readonly Host: string;
  readonly Port: string;
  readonly Database: string;
  readonly Username: string;
  readonly Schema: string;
  readonly MasterSecretArn: string;
  readonly AppSecretArn: string;
}

interface Credentials {
  readonly username: string;
  readonly password: string;
}

/** Seams for tests: the pg client factory and the wait between connection attempts. */
export const deps = {
  newClient: (config: ConstructorParameters<typeof Client>[0]) => new Client(config),
  sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
};

export async function handler(event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> {
  // Delete first, before any validation: a failed create must always be able to roll back.
  if (event.RequestType === 'Delete') {
    log.info('delete: leaving the database user in place', { physicalResourceId: event.PhysicalResourceId });
    return { PhysicalResourceId: event.PhysicalResourceId };
  }
  const props = parseProperties(event.ResourceProperties);
  const physicalResourceId = `app-db-user:${props.Database}:${props.Username}`;
  log.append({ requestType: event.RequestType, database: props.Database, username: props.Username });

  const app = await readCredentials(props.AppSecretArn, 'AWSCURRENT');
  const clone = `${props.Username}_clone`;
  if (app.username !== props.Username && app.username !== clone) {
    throw new Error(`app secret names user "${app.username}"; expected "${props.Username}" or "${clone}"`);
  }

  const client = await connectAsMaster(props);
  try {
    await ensureUser(client, props, app);
  } finally {
    await client.end();
  }
  log.info('app user ready', { activeUser: app.username });
  return { PhysicalResourceId: physicalResourceId, Data: { Username: props.Username } };
}

/** The idempotent statements; every identifier is validated and quoted, the password a literal. */
export async function ensureUser(
  client: Pick<Client, 'query'>,
  props: BootstrapProperties,
  app: Credentials,
) {
  const user = escapeIdentifier(props.Username);
  const clone = escapeIdentifier(`${props.Username}_clone`);
  const schema = escapeIdentifier(props.Schema);
  const database = escapeIdentifier(props.Database);

  const existing = await client.query<{ rolname: string }>(
    'SELECT rolname FROM pg_roles WHERE rolname = ANY($1)',
    [[props.Username, `${props.Username}_clone`]],
  );
  const has = new Set(existing.rows.map((r) => r.rolname));

  await client.query('BEGIN');
  try {
    if (!has.has(props.Username)) await client.query(`CREATE ROLE ${user} LOGIN`);
    // No password until the rotation gives it one; membership lends it the user's privileges.
    if (!has.has(`${props.Username}_clone`)) await client.query(`CREATE ROLE ${clone} LOGIN IN ROLE ${user}`);
    await client.query(`ALTER ROLE ${clone} SET role = ${escapeLiteral(props.Username)}`);
    await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${database} TO ${user}`);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${user}`);
    await client.query(`ALTER ROLE ${user} SET search_path = ${schema}`);
    // Make the database match the secret the service reads (never the other way round).
    await client.query(
      `ALTER ROLE ${escapeIdentifier(app.username)} WITH LOGIN PASSWORD ${escapeLiteral(app.password)}`,
    );
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK');
    throw e;
  }
}

/** Connects with the master secret; retries while the cluster warms up and falls back to AWSPENDING mid-rotation. */
async function connectAsMaster(props: BootstrapProperties): Promise<Client> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= 5; attempt++) {
    for (const stage of ['AWSCURRENT', 'AWSPENDING'] as const) {
      let master: Credentials;
      try {
        master = await readCredentials(props.MasterSecretArn, stage);
      } catch (e) {
        if (stage === 'AWSPENDING') break; // no rotation in progress
        throw e;
      }
      const client = deps.newClient({
        host: props.Host,
        port: Number(props.Port),
        database: props.Database,
        user: master.username,
        password: master.password,
        ssl: { rejectUnauthorized: true },
        connectionTimeoutMillis: 10_000,
      });
      try {
        await client.connect();
        return client;
      } catch (e) {
        lastError = e;
        await client.end().catch(() => undefined);
        if ((e as { code?: string }).code !== INVALID_PASSWORD) break;
        log.warn('master password rejected; trying the pending version (rotation in progress?)', { stage });
      }
    }
    log.warn('cannot connect yet', { attempt, error: (lastError as Error)?.message });
    if (attempt < 5) await deps.sleep(5_000 * attempt);
  }
  throw lastError instanceof Error ? lastError : new Error('cannot connect to the database');
}

async function readCredentials(secretId: string, stage: 'AWSCURRENT' | 'AWSPENDING'): Promise<Credentials> {
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: stage }));
  const parsed = JSON.parse(out.SecretString ?? '{}') as Partial<Credentials>;
  if (typeof parsed.username !== 'string' || typeof parsed.password !== 'string') {
    throw new Error(`secret ${secretId} (${stage}) has no username/password`);
  }
  return { username: parsed.username, password: parsed.password };
}

function parseProperties(raw: Record<string, unknown>): BootstrapProperties {
  const text = (key: keyof BootstrapProperties): string => {
    const v = raw[key];
    if (typeof v !== 'string' || v === '') throw new Error(`property ${key} is missing`);
    return v;
  };
  const props: BootstrapProperties = {
    Host: text('Host'),
    Port: text('Port'),
    Database: text('Database'),
    Username: text('Username'),
    Schema: text('Schema'),
    MasterSecretArn: text('MasterSecretArn'),
    AppSecretArn: text('AppSecretArn'),
  };
  for (const key of ['Database', 'Username', 'Schema'] as const) {
    if (!IDENTIFIER.test(props[key]))
      throw new Error(`property ${key} = "${props[key]}" is not a plain identifier`);
  }
  if (!/^\d{1,5}$/.test(props.Port)) throw new Error(`property Port = "${props.Port}" is not a port number`);
  return props;
}
