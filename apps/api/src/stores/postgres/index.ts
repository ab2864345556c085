// PostgreSQL implementation of the durable stores (../types.ts): the user registry, the audit
// log, and the OpenID Connect provider's clients and signing keys, shared by every API process that points at the same database.
//
// The schema is created or migrated at start-up, inside one transaction under an advisory lock,
// so instances starting together do not race: the first migrates, the others then find it done.
// Its version is kept in `schema_version`.
//
// Failing fast: a pool with a connect timeout, a client-side query timeout and a server-side
// statement_timeout, a deadline on every store call, and every failure to serve surfaces as
// StoreUnavailableError (→ 503). Broken connections are dropped from the pool and new ones made
// on demand, so the API recovers when PostgreSQL returns. A database that answers but refuses
// writes (disk_full, a read-only standby) keeps /readyz at 503 from the first refused write
// until a write succeeds again (../writes.ts).

import { Pool, type PoolClient } from 'pg';
import type { Logger } from 'pino';
import { describeFailure, StoreUnavailableError, withDeadline } from '../errors';
import type { AuditQuery, DurableStores } from '../types';
import { parseClient, parseSigningKey, toAuditEntry, type AuditRow } from '../records';
import { createWriteTracker } from '../writes';

export interface PostgresStoresOptions {
  /**
   * `postgres://user[:password]@host:port/database`; query parameters as libpq's (e.g.
   * `?sslmode=require`, `?options=-c%20search_path%3Dwallet_login`). Never logged or reported.
   */
  url: string;
  /** Deadline of one store call, ms; also the connect, query and statement timeout. */
  timeoutMs: number;
  /**
   * The schema to use, created when missing (tests use a fresh one per run).
   * @default the connection's search_path (normally `public`)
   */
  schema?: string;
  /** Most connections the pool opens. @default 10 */
  poolSize?: number;
  /** Where connection loss and recovery are reported (once each, not per call). */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

/** Migrations, in order; `schema_version` holds how many have run. Append, never edit. */
const MIGRATIONS = [
  `CREATE TABLE users (
     address    text COLLATE "C" PRIMARY KEY,
     created_at bigint NOT NULL
   );
   CREATE INDEX users_created_at ON users (created_at, address);
   CREATE TABLE audit (
     id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
     at         bigint NOT NULL,
     action     text NOT NULL,
     outcome    text NOT NULL,
     address    text COLLATE "C",
     ip         text NOT NULL,
     user_agent text,
     instance   text NOT NULL
   );
   CREATE INDEX audit_at ON audit (at, id);
   CREATE INDEX audit_address_at ON audit (address, at, id);`,
  // The OpenID Connect provider's clients and signing keys, as JSON.
  `CREATE TABLE oidc_clients (
     client_id  text COLLATE "C" PRIMARY KEY,
     data       jsonb NOT NULL,
     created_at bigint NOT NULL
   );
   CREATE TABLE oidc_signing_keys (
     kid        text COLLATE "C" PRIMARY KEY,
     data       jsonb NOT NULL,
     created_at bigint NOT NULL
   );`,
  // How a sign-in's address proved itself (eoa, erc1271, erc6492); null on other entries.
  `ALTER TABLE audit ADD COLUMN IF NOT EXISTS method text;`,
];
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** First key of the migration advisory lock ("wl" in ASCII); the second is the schema's hash. */
const LOCK_CLASS = 0x776c;

/** SQLSTATE classes a statement causes itself (bad data, constraint, syntax): a bug, so a 500. */
const STATEMENT_FAULT = /^(21|22|23|42|44)[0-9A-Z]{3}$/;

/** The SQLSTATE of an error the server sent; undefined for client and network errors (ECONNREFUSED…). */
function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !/^E[A-Z]{4}$/.test(code) ? code : undefined;
}

/** A PostgreSQL failure → StoreUnavailableError, except an error the statement itself caused. */
function classify(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (STATEMENT_FAULT.test(sqlState(error) ?? '')) return error;
  return new StoreUnavailableError('postgres', describeFailure(error), { cause: error });
}

/** The URL without credentials or parameters, for messages. */
export function redactPostgresUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return 'postgres';
  }
}

/**
 * Connects to PostgreSQL, creates or migrates the schema, and returns the stores on it. Rejects
 * with StoreUnavailableError when the database cannot be reached within `timeoutMs`, and with an
 * Error when the schema is from a newer version.
 */
export async function openPostgresStores(options: PostgresStoresOptions): Promise<DurableStores> {
  const { timeoutMs, schema, logger } = options;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema "${schema}" is not a plain lower-case identifier`);
  }
  const where = redactPostgresUrl(options.url);
  const pool = new Pool({
    connectionString: options.url,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: timeoutMs,
    query_timeout: timeoutMs,
    statement_timeout: timeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: 'wallet-login',
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });

  // An idle connection that breaks (server restart, network) is reported here and dropped by the
  // pool; without a listener it would crash the process.
  let up = true;
  const down = (error: unknown) => {
    if (up) logger?.warn({ postgres: where, reason: describeFailure(error) }, 'PostgreSQL connection lost; store calls answer 503 until it is back');
    up = false;
  };
  pool.on('error', down);

  /** Runs a store call's queries under the deadline; failures become 503s. */
  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      const result = await withDeadline(run, { service: 'postgres', timeoutMs, classify });
      if (!up) logger?.info({ postgres: where }, 'PostgreSQL connection restored');
      up = true;
      return result;
    } catch (error) {
      if (error instanceof StoreUnavailableError) down(error);
      throw error;
    }
  };
  const query = async <R extends object>(text: string, values: unknown[] = []) => call(() => pool.query<R>(text, values));
  const writes = createWriteTracker('postgres');
  /** A writing query, noted for /readyz; it proves writes are served when it changed a row. */
  const write = async (text: string, values: unknown[] = []) => writes.track(() => query(text, values), (result) => (result.rowCount ?? 0) > 0);

  try {
    const client = await withDeadline(() => pool.connect(), { service: 'postgres', timeoutMs, classify });
    try {
      await migrate(client, schema);
      client.release();
    } catch (error) {
      client.release(error instanceof Error ? error : true);
      throw error;
    }
  } catch (error) {
    await pool.end().catch(() => undefined);
    if (error instanceof SchemaVersionError) throw error;
    const classified = classify(error);
    if (classified instanceof StoreUnavailableError) {
      // With a SQLSTATE the server did answer (a missing schema, a refused login).
      const answered = sqlState(error) !== undefined;
      throw new StoreUnavailableError('postgres', `${answered ? 'refused at' : 'not reachable at'} ${where}: ${describeFailure(classified)}`, { cause: error });
    }
    throw classified;
  }

  let closed = false;

  return {
    users: {
      async add(address, createdAt) {
        const result = await write('INSERT INTO users (address, created_at) VALUES ($1, $2) ON CONFLICT (address) DO NOTHING', [address, createdAt]);
        return (result.rowCount ?? 0) > 0;
      },
      async has(address) {
        const result = await query('SELECT 1 FROM users WHERE address = $1', [address]);
        return (result.rowCount ?? 0) > 0;
      },
      async remove(address) {
        const result = await write('DELETE FROM users WHERE address = $1', [address]);
        return (result.rowCount ?? 0) > 0;
      },
      async list() {
        const result = await query<{ address: string; created_at: string }>('SELECT address, created_at FROM users ORDER BY created_at, address');
        return result.rows.map((row) => ({ address: row.address, createdAt: Number(row.created_at) }));
      },
    },
    audit: {
      async append(entry) {
        await write(
          `INSERT INTO audit (at, action, outcome, address, ip, user_agent, instance, method)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
          [entry.at, entry.action, entry.outcome, entry.address ?? null, entry.ip, entry.userAgent ?? null, entry.instance, entry.method ?? null],
        );
      },
      async query(auditQuery) {
        const { text, values } = auditSql(auditQuery);
        const result = await query<AuditRow>(text, values);
        return result.rows.map(toAuditEntry);
      },
    },
    clients: {
      async add(client) {
        const result = await write('INSERT INTO oidc_clients (client_id, data, created_at) VALUES ($1, $2, $3) ON CONFLICT (client_id) DO NOTHING', [client.clientId, JSON.stringify(client), client.createdAt]);
        return (result.rowCount ?? 0) > 0;
      },
      async get(clientId) {
        const result = await query<{ data: string }>('SELECT data::text AS data FROM oidc_clients WHERE client_id = $1', [clientId]);
        const row = result.rows[0];
        return row === undefined ? undefined : parseClient(row.data);
      },
      async remove(clientId) {
        const result = await write('DELETE FROM oidc_clients WHERE client_id = $1', [clientId]);
        return (result.rowCount ?? 0) > 0;
      },
      async list() {
        const result = await query<{ data: string }>('SELECT data::text AS data FROM oidc_clients ORDER BY created_at, client_id');
        return result.rows.flatMap((row) => parseClient(row.data) ?? []);
      },
    },
    signingKeys: {
      async add(key) {
        const result = await write('INSERT INTO oidc_signing_keys (kid, data, created_at) VALUES ($1, $2, $3) ON CONFLICT (kid) DO NOTHING', [key.kid, JSON.stringify(key), key.createdAt]);
        return (result.rowCount ?? 0) > 0;
      },
      async list() {
        const result = await query<{ data: string }>('SELECT data::text AS data FROM oidc_signing_keys ORDER BY created_at, kid');
        return result.rows.flatMap((row) => parseSigningKey(row.data) ?? []);
      },
      async remove(kid) {
        const result = await write('DELETE FROM oidc_signing_keys WHERE kid = $1', [kid]);
        return (result.rowCount ?? 0) > 0;
      },
    },
    async check() {
      const started = performance.now();
      try {
        await query('SELECT 1');
        // Rewrites the one row of schema_version as it is: a write, with its WAL record.
        await writes.recheck(() => query('UPDATE schema_version SET version = version'));
        return [{ name: 'postgres', ok: true, latencyMs: performance.now() - started }];
      } catch (error) {
        return [{ name: 'postgres', ok: false, latencyMs: performance.now() - started, error: describeFailure(error) }];
      }
    },
    async sweep() {
      // Users and the audit log do not expire.
    },
    async close() {
      if (closed) return;
      closed = true;
      await withDeadline(() => pool.end(), { service: 'postgres', timeoutMs, classify }).catch(() => undefined);
    },
  };
}

/** The database was migrated by a newer version of the server. */
export class SchemaVersionError extends Error {
  override readonly name = 'SchemaVersionError';
}

/** Creates the schema or brings it up to POSTGRES_SCHEMA_VERSION, in one transaction. */
async function migrate(client: PoolClient, schema: string | undefined): Promise<void> {
  await client.query('BEGIN');
  try {
    // Serialises instances migrating the same schema; released at COMMIT or ROLLBACK.
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(coalesce($2, current_schema(), \'\')))', [LOCK_CLASS, schema ?? null]);
    if (schema !== undefined) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)');
    const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_version');
    let version = rows[0]?.version ?? 0;
    if (rows.length === 0) await client.query('INSERT INTO schema_version (version) VALUES (0)');
    if (version > POSTGRES_SCHEMA_VERSION) {
      throw new SchemaVersionError(`the database has schema version ${version}; this server knows up to ${POSTGRES_SCHEMA_VERSION}`);
    }
    for (; version < POSTGRES_SCHEMA_VERSION; version += 1) await client.query(MIGRATIONS[version]!);
    await client.query('UPDATE schema_version SET version = $1', [version]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

function auditSql(query: AuditQuery): { text: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (condition: string, value: unknown) => {
    values.push(value);
    where.push(condition.replace('?', `$${values.length}`));
  };
  if (query.address !== undefined) add('address = ?', query.address);
  if (query.since !== undefined) add('at >= ?', query.since);
  if (query.until !== undefined) add('at < ?', query.until);
  if (query.outcome !== undefined) add('outcome = ?', query.outcome);
  values.push(query.limit ?? 100);
  const text =
    'SELECT at, action, outcome, address, ip, user_agent, instance, method FROM audit' +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY at DESC, id DESC LIMIT $${values.length}`;
  return { text, values };
}

