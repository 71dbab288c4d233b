import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { CdkCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { deps, handler } from '../../lambda/db-bootstrap/index';
import { setLogSink } from '../../lambda/shared/logger';

/**
 * The app-user bootstrap against a fake PostgreSQL: it must be idempotent, make the database
 * match the app secret (never the reverse), quote every identifier and password, survive a
 * master rotation in flight, and leave the database alone on delete.
 */

const MASTER_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:ha-ref/db/master-AbCdEf';
const APP_ARN = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:ha-ref/db/app-user-GhIjKl';
const sm = mockClient(SecretsManagerClient);

/** A fake database: remembers roles, records statements, and checks the master password. */
class FakeDb {
  roles = new Set<string>();
  statements: string[] = [];
  connects: { user: string; password: string; ssl: unknown }[] = [];
  masterPassword = 'master-current';
  refuseConnections = 0;

  client = (config: any) => ({
    connect: async () => {
      this.connects.push({ user: config.user, password: config.password, ssl: config.ssl });
      if (this.refuseConnections > 0) {
        this.refuseConnections--;
        throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      }
      if (config.password !== this.masterPassword) {
        throw Object.assign(new Error('password authentication failed'), { code: '28P01' });
      }
    },
    query: async (text: string) => {
      this.statements.push(text);
      if (text.startsWith('SELECT rolname')) return { rows: [...this.roles].map((rolname) => ({ rolname })) };
      const created = /^CREATE ROLE "([^"]+)"/.exec(text);
      if (created) this.roles.add(created[1]);
      return { rows: [] };
    },
    end: async () => undefined,
  });
}

let db: FakeDb;
let secrets: Record<string, Record<string, string>>;

function event(requestType: 'Create' | 'Update' | 'Delete', overrides: Record<string, string> = {}) {
  return {
    RequestType: requestType,
    PhysicalResourceId: 'app-db-user:app:app_service',
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:provider',
      Host: 'ha-ref-us-east-1.cluster-abc.us-east-1.rds.amazonaws.com',
      Port: '5432',
      Database: 'app',
      Username: 'app_service',
      Schema: 'app',
      MasterSecretArn: MASTER_ARN,
      AppSecretArn: APP_ARN,
      ...overrides,
    },
  } as unknown as CdkCustomResourceEvent;
}

beforeEach(() => {
  db = new FakeDb();
  deps.newClient = db.client as never;
  deps.sleep = async () => undefined;
  setLogSink(() => undefined);
  secrets = {
    [`${MASTER_ARN}|AWSCURRENT`]: { username: 'appadmin', password: 'master-current' },
    [`${APP_ARN}|AWSCURRENT`]: { username: 'app_service', password: "s3cr'et" },
  };
  sm.reset();
  sm.on(GetSecretValueCommand).callsFake(async (input: { SecretId: string; VersionStage: string }) => {
    const value = secrets[`${input.SecretId}|${input.VersionStage}`];
    if (!value) throw new ResourceNotFoundException({ message: 'no such version', $metadata: {} });
    return { SecretString: JSON.stringify(value) };
  });
});

test('GIVEN a fresh database WHEN created THEN both roles, the schema, the grants and the password are set over verified TLS', async () => {
  const out = await handler(event('Create'));

  expect(out.PhysicalResourceId).toBe('app-db-user:app:app_service');
  expect(db.connects[0]).toEqual({
    user: 'appadmin',
    password: 'master-current',
    ssl: { rejectUnauthorized: true },
  });
  expect(db.statements).toEqual(
    expect.arrayContaining([
      'CREATE ROLE "app_service" LOGIN',
      'CREATE ROLE "app_service_clone" LOGIN IN ROLE "app_service"',
      `ALTER ROLE "app_service_clone" SET role = 'app_service'`,
      'GRANT CONNECT, TEMPORARY ON DATABASE "app" TO "app_service"',
      'CREATE SCHEMA IF NOT EXISTS "app"',
      'GRANT USAGE, CREATE ON SCHEMA "app" TO "app_service"',
      // The quote in the password is escaped, never concatenated raw.
      `ALTER ROLE "app_service" WITH LOGIN PASSWORD 's3cr''et'`,
    ]),
  );
  expect(db.statements).toContain('COMMIT');
  // Least privilege: no superuser-like attributes, no membership in rds_superuser.
  expect(db.statements.join('\n')).not.toMatch(/SUPERUSER|CREATEROLE|CREATEDB|rds_superuser|rds_iam/);
});

test('GIVEN the roles exist WHEN run again (update) THEN nothing is re-created and the password is re-asserted', async () => {
  db.roles = new Set(['app_service', 'app_service_clone']);

  await handler(event('Update'));

  expect(db.statements.filter((s) => s.startsWith('CREATE ROLE'))).toEqual([]);
  expect(db.statements).toContain(`ALTER ROLE "app_service" WITH LOGIN PASSWORD 's3cr''et'`);
});

test('GIVEN the multi-user rotation has moved to the clone WHEN run THEN the clone gets the current password, not the base user', async () => {
  db.roles = new Set(['app_service', 'app_service_clone']);
  secrets[`${APP_ARN}|AWSCURRENT`] = { username: 'app_service_clone', password: 'rotated' };

  await handler(event('Update'));

  const passwords = db.statements.filter((s) => s.includes('PASSWORD'));
  expect(passwords).toEqual([`ALTER ROLE "app_service_clone" WITH LOGIN PASSWORD 'rotated'`]);
});

test('GIVEN a master rotation in flight WHEN AWSCURRENT is refused THEN it connects with AWSPENDING', async () => {
  db.masterPassword = 'master-pending';
  secrets[`${MASTER_ARN}|AWSPENDING`] = { username: 'appadmin', password: 'master-pending' };

  await handler(event('Create'));

  expect(db.connects.map((c) => c.password)).toEqual(['master-current', 'master-pending']);
  expect(db.statements).toContain('COMMIT');
});

test('GIVEN the cluster refuses connections at first WHEN created THEN it retries and succeeds', async () => {
  db.refuseConnections = 2;

  await handler(event('Create'));

  expect(db.connects).toHaveLength(3);
  expect(db.statements).toContain('COMMIT');
});

test('GIVEN a wrong master password and no rotation WHEN created THEN it fails after bounded retries', async () => {
  db.masterPassword = 'something-else';

  await expect(handler(event('Create'))).rejects.toThrow(/password authentication failed/);
  expect(db.connects).toHaveLength(5);
  expect(db.statements).toEqual([]);
});

test('GIVEN an app secret naming another user WHEN created THEN it refuses before touching the database', async () => {
  secrets[`${APP_ARN}|AWSCURRENT`] = { username: 'postgres', password: 'x' };

  await expect(handler(event('Create'))).rejects.toThrow(/expected "app_service" or "app_service_clone"/);
  expect(db.connects).toEqual([]);
});

test('GIVEN an identifier with SQL in it WHEN created THEN it is rejected', async () => {
  await expect(handler(event('Create', { Schema: 'app; DROP TABLE x' }))).rejects.toThrow(/Schema/);
  expect(db.connects).toEqual([]);
});

test('GIVEN a statement fails WHEN created THEN the transaction is rolled back and the error surfaces', async () => {
  const base = db.client;
  deps.newClient = ((config: any) => {
    const c = base(config);
    return {
      ...c,
      query: async (text: string) => {
        if (text.startsWith('GRANT USAGE')) throw new Error('permission denied');
        return c.query(text);
      },
    };
  }) as never;

  await expect(handler(event('Create'))).rejects.toThrow(/permission denied/);
  expect(db.statements).toContain('ROLLBACK');
  expect(db.statements).not.toContain('COMMIT');
});

test('GIVEN a delete (even with broken properties) WHEN handled THEN the database is left alone', async () => {
  const out = await handler(event('Delete', { Host: '' }));

  expect(out.PhysicalResourceId).toBe('app-db-user:app:app_service');
  expect(db.connects).toEqual([]);
  expect(sm.calls()).toHaveLength(0);
});
