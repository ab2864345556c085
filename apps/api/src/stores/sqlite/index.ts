// Embedded SQLite implementation of the store interfaces (../types.ts): one file holds users,
// sessions, challenges, the audit log, rate-limit counters and the OpenID Connect provider's
// state, clients and signing keys, so a deployment needs no database
// server. Every method is a single prepared statement, and SQLite runs each statement as one
// transaction under a file lock, so the atomic steps (challenge take, session update) hold
// across connections and processes; a sign-in's session and its audit entry are written in one
// explicit transaction.
//
// The file holds session hashes and the audit log: it and its -wal and -shm companions are made
// readable by their owner only (0600, in a 0700 directory when this creates it), whatever the
// umask. A failure of the file to serve a call (a full disk, an I/O error, a lock held too long,
// a read-only file) surfaces as StoreUnavailableError (→ 503), and a failed write keeps /readyz
// at 503 until a write succeeds again (../writes.ts).

import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { RateLimiterSQLite } from 'rate-limiter-flexible';
import { describeFailure, StoreUnavailableError } from '../errors';
import type { AuditEntry, AuditQuery, Clock, OidcPayload, SessionData, Stores } from '../types';
import { parseClient, parseObject, parseSession, parseSigningKey, toAuditEntry, toStoredChallenge, type AuditRow } from '../records';
import { createWriteTracker, guardRateLimiter } from '../writes';
import { createDataDir } from '../dataDir';

/** Kept in `PRAGMA user_version`. Bump it when the schema changes, and migrate in `migrate`. */
const SCHEMA_VERSION = 3;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS users (
    address    TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT PRIMARY KEY,
    address    TEXT,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS sessions_address ON sessions (address);
  CREATE INDEX IF NOT EXISTS sessions_expires_at ON sessions (expires_at);
  CREATE TABLE IF NOT EXISTS challenges (
    sid        TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX IF NOT EXISTS challenges_expires_at ON challenges (expires_at);
  CREATE TABLE IF NOT EXISTS audit (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    action     TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    address    TEXT,
    ip         TEXT NOT NULL,
    user_agent TEXT,
    instance   TEXT NOT NULL,
    method     TEXT
  );
  CREATE INDEX IF NOT EXISTS audit_at ON audit (at);
  CREATE INDEX IF NOT EXISTS audit_address_at ON audit (address, at);
  CREATE TABLE IF NOT EXISTS rate_limits (
    key    TEXT PRIMARY KEY,
    points INTEGER NOT NULL DEFAULT 0,
    expire INTEGER
  );
  -- Version 3: the OpenID Connect provider's state, clients and signing keys.
  CREATE TABLE IF NOT EXISTS oidc (
    model      TEXT NOT NULL,
    id         TEXT NOT NULL,
    payload    TEXT NOT NULL,
    grant_id   TEXT,
    uid        TEXT,
    user_code  TEXT,
    account_id TEXT,
    consumed   INTEGER,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (model, id)
  );
  CREATE INDEX IF NOT EXISTS oidc_grant_id ON oidc (grant_id);
  CREATE INDEX IF NOT EXISTS oidc_uid ON oidc (model, uid);
  CREATE INDEX IF NOT EXISTS oidc_user_code ON oidc (model, user_code);
  CREATE INDEX IF NOT EXISTS oidc_account_id ON oidc (model, account_id);
  CREATE INDEX IF NOT EXISTS oidc_expires_at ON oidc (expires_at);
  CREATE TABLE IF NOT EXISTS oidc_clients (
    client_id  TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE IF NOT EXISTS oidc_signing_keys (
    kid        TEXT PRIMARY KEY,
    data       TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
`;

export interface SqliteStoresOptions {
  /**
   * Path of the database file. It is created (0600), with its directory (0700), when missing.
   */
  file: string;
  /** The time source for every expiry; the store never reads the wall clock. */
  clock: Clock;
}

/**
 * Opens (creating when needed) the SQLite database at `file` and returns the stores on it.
 * Several processes may open the same file: it runs in WAL mode and waits up to 5 s for a lock.
 * Throws when the file was written by a newer schema version.
 */
export function openSqliteStores(options: SqliteStoresOptions): Stores {
  const { file, clock } = options;
  createDataDir(path.dirname(file));
  createPrivateFile(file);
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode stays consistent after a crash; only the last commits may be lost.
    db.pragma('synchronous = NORMAL');
    migrate(db, file);
    // SQLite gives them the database file's mode; an older file's may be wider.
    for (const companion of [`${file}-wal`, `${file}-shm`]) chmodIfExists(companion, 0o600);
  } catch (error) {
    db.close();
    throw error;
  }

  const writes = createWriteTracker('sqlite');
  /** Runs a statement; a failure of the file to serve it becomes StoreUnavailableError. */
  const call = <T>(run: () => T): Promise<T> => {
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(classify(error));
    }
  };
  /** Runs a writing statement through `call`, noting for /readyz whether writes are served. */
  const write = <T>(run: () => T, wrote?: (result: T) => boolean): Promise<T> => writes.track(() => call(run), wrote);
  const changed = (result: Database.RunResult): boolean => result.changes > 0;

  const putChallenge = db.prepare<{ sid: string; data: string; expiresAt: number }>(
    `INSERT INTO challenges (sid, data, expires_at) VALUES (@sid, @data, @expiresAt)
     ON CONFLICT (sid) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`,
  );
  // One statement finds the row, compares its binding and deletes it, so of concurrent takes
  // exactly one sees it, and a take with another binding leaves it. The binding is read from the
  // stored JSON (no column of its own, so files written by older versions need no migration);
  // a row that is not JSON has no binding, and is left for sweep.
  // Run with all(), never get(): a RETURNING statement commits when it finishes, and get() stops
  // at the first row and drops what finishing reports, so on a full disk it would hand out the
  // challenge while the failed commit left it in place, to be taken again.
  const takeChallenge = db.prepare<[string, string], { data: string; expires_at: number }>(
    `DELETE FROM challenges
     WHERE sid = ? AND (CASE WHEN json_valid(data) THEN json_extract(data, '$.binding') END) = ?
     RETURNING data, expires_at`,
  );
  const countChallenges = db.prepare<[number], number>(
    'SELECT count(*) FROM challenges WHERE expires_at > ?',
  ).pluck();
  const sweepChallenges = db.prepare<[number]>('DELETE FROM challenges WHERE expires_at <= ?');

  const getSession = db.prepare<[string, number], string>(
    'SELECT data FROM sessions WHERE id = ? AND expires_at > ?',
  ).pluck();
  const setSession = db.prepare<SessionRow>(
    `INSERT INTO sessions (id, address, data, expires_at) VALUES (@id, @address, @data, @expiresAt)
     ON CONFLICT (id) DO UPDATE SET
       address = excluded.address, data = excluded.data, expires_at = excluded.expires_at`,
  );
  // The liveness check is in the same statement as the write: a session destroyed (or expired)
  // after the request read it stays gone.
  const updateSession = db.prepare<SessionRow & { now: number }>(
    `UPDATE sessions SET address = @address, data = @data, expires_at = @expiresAt
     WHERE id = @id AND expires_at > @now`,
  );
  const destroySession = db.prepare<[string]>('DELETE FROM sessions WHERE id = ?');
  const destroySessionsFor = db.prepare<[string], number>(
    'DELETE FROM sessions WHERE address = ? RETURNING expires_at',
  ).pluck();
  const listSessionsFor = db.prepare<[string, number], { id: string; data: string; expires_at: number }>(
    'SELECT id, data, expires_at FROM sessions WHERE address = ? AND expires_at > ?',
  );
  const countSessions = db.prepare<[number], number>(
    'SELECT count(*) FROM sessions WHERE expires_at > ?',
  ).pluck();
  const sweepSessions = db.prepare<[number]>('DELETE FROM sessions WHERE expires_at <= ?');

  const addUser = db.prepare<[string, number]>(
    'INSERT INTO users (address, created_at) VALUES (?, ?) ON CONFLICT (address) DO NOTHING',
  );
  const hasUser = db.prepare<[string], number>('SELECT 1 FROM users WHERE address = ?').pluck();
  const removeUser = db.prepare<[string]>('DELETE FROM users WHERE address = ?');
  const listUsers = db.prepare<[], { address: string; created_at: number }>(
    'SELECT address, created_at FROM users ORDER BY created_at, address',
  );

  // rate-limiter-flexible prepares its statement on every call and wraps its one upsert in a
  // transaction: it gets the database through this, which prepares each of its few statements
  // once, and runs a lone statement as it is (SQLite makes every statement atomic by itself).
  // Its upsert is a RETURNING statement read with get(): run to the end with all() instead, so
  // that a commit that fails (a full disk) is reported, not dropped (see takeChallenge).
  const rateLimiterStatements = new Map<string, Pick<Database.Statement, 'get' | 'run'>>();
  const rateLimiterClient = {
    prepare(sql: string): Pick<Database.Statement, 'get' | 'run'> {
      let statement = rateLimiterStatements.get(sql);
      if (statement === undefined) {
        const prepared = db.prepare(sql);
        statement = { get: (...params: unknown[]) => prepared.all(...params)[0], run: (...params: unknown[]) => prepared.run(...params) };
        rateLimiterStatements.set(sql, statement);
      }
      return statement;
    },
    transaction<F extends (...args: never[]) => unknown>(fn: F): F {
      return fn;
    },
  };
  const appendAudit = db.prepare<AuditInsert>(
    `INSERT INTO audit (at, action, outcome, address, ip, user_agent, instance, method)
     VALUES (@at, @action, @outcome, @address, @ip, @userAgent, @instance, @method)`,
  );
  const upsertOidc = db.prepare<OidcRow>(
    `INSERT INTO oidc (model, id, payload, grant_id, uid, user_code, account_id, consumed, expires_at)
     VALUES (@model, @id, @payload, @grantId, @uid, @userCode, @accountId, @consumed, @expiresAt)
     ON CONFLICT (model, id) DO UPDATE SET
       payload = excluded.payload, grant_id = excluded.grant_id, uid = excluded.uid, user_code = excluded.user_code,
       account_id = excluded.account_id, consumed = excluded.consumed, expires_at = excluded.expires_at`,
  );
  const findOidc = db.prepare<[string, string, number], { payload: string; consumed: number | null }>(
    'SELECT payload, consumed FROM oidc WHERE model = ? AND id = ? AND expires_at > ?',
  );
  const findOidcByUid = db.prepare<[string, string, number], { payload: string; consumed: number | null }>(
    'SELECT payload, consumed FROM oidc WHERE model = ? AND uid = ? AND expires_at > ? LIMIT 1',
  );
  const findOidcByUserCode = db.prepare<[string, string, number], { payload: string; consumed: number | null }>(
    'SELECT payload, consumed FROM oidc WHERE model = ? AND user_code = ? AND expires_at > ? LIMIT 1',
  );
  // The check and the mark are one statement: of concurrent consumes exactly one changes the row.
  const consumeOidc = db.prepare<[number, string, string, number]>(
    'UPDATE oidc SET consumed = ? WHERE model = ? AND id = ? AND consumed IS NULL AND expires_at > ?',
  );
  const destroyOidc = db.prepare<[string, string]>('DELETE FROM oidc WHERE model = ? AND id = ?');
  const revokeOidcGrant = db.prepare<[string, string]>('DELETE FROM oidc WHERE grant_id = ? AND model = ?');
  const listOidcByAccount = db.prepare<[string, string, number], { id: string; payload: string; consumed: number | null }>(
    'SELECT id, payload, consumed FROM oidc WHERE model = ? AND account_id = ? AND expires_at > ?',
  );
  const sweepOidc = db.prepare<[number]>('DELETE FROM oidc WHERE expires_at <= ?');

  const addClient = db.prepare<[string, string, number]>(
    'INSERT INTO oidc_clients (client_id, data, created_at) VALUES (?, ?, ?) ON CONFLICT (client_id) DO NOTHING',
  );
  const getClient = db.prepare<[string], string>('SELECT data FROM oidc_clients WHERE client_id = ?').pluck();
  const removeClient = db.prepare<[string]>('DELETE FROM oidc_clients WHERE client_id = ?');
  const listClients = db.prepare<[], string>('SELECT data FROM oidc_clients ORDER BY created_at, client_id').pluck();

  const addKey = db.prepare<[string, string, number]>(
    'INSERT INTO oidc_signing_keys (kid, data, created_at) VALUES (?, ?, ?) ON CONFLICT (kid) DO NOTHING',
  );
  const listKeys = db.prepare<[], string>('SELECT data FROM oidc_signing_keys ORDER BY created_at, kid').pluck();
  const removeKey = db.prepare<[string]>('DELETE FROM oidc_signing_keys WHERE kid = ?');

  // A sign-in: its session and its audit entry in one transaction, so neither is kept without
  // the other. IMMEDIATE takes the write lock at BEGIN: another process holding it makes this
  // wait (busy_timeout), never fail midway on a lock upgrade.
  // A sign-in's write: the new session, its audit entry, and the pre-login session it replaces
  // gone, in one transaction (one commit instead of two or three).
  const setSessionWith = db.transaction((row: SessionRow, entry: AuditInsert | undefined, replaces: string | undefined) => {
    if (replaces !== undefined) destroySession.run(replaces);
    setSession.run(row);
    if (entry !== undefined) appendAudit.run(entry);
  });
  // Rate-limit rows carry their own expiry (rate-limiter-flexible's wall-clock ms).
  const sweepRateLimits = db.prepare<[number]>('DELETE FROM rate_limits WHERE expire IS NOT NULL AND expire <= ?');

  const sweep = db.transaction((now: number) => {
    sweepChallenges.run(now);
    sweepSessions.run(now);
    sweepRateLimits.run(now);
    sweepOidc.run(now);
  });
  // A write that always reaches the file: the row is gone again when it commits, but the pages
  // it touched are written all the same. For the readiness check while writes are failing.
  const insertProbe = db.prepare("INSERT INTO challenges (sid, data, expires_at) VALUES ('', '{}', 0) ON CONFLICT (sid) DO NOTHING");
  const deleteProbe = db.prepare("DELETE FROM challenges WHERE sid = ''");
  const probe = db.transaction(() => {
    insertProbe.run();
    deleteProbe.run();
  });
  const ping = db.prepare('SELECT 1');

  function sessionRow(id: string, data: SessionData, ttlMs: number): SessionRow {
    const address = typeof data.address === 'string' ? data.address : null;
    return { id, address, data: JSON.stringify(data), expiresAt: clock.now() + ttlMs };
  }

  return {
    challenges: {
      async put(challenge, ttlMs) {
        const data = JSON.stringify(challenge);
        await write(() => putChallenge.run({ sid: challenge.sid, data, expiresAt: clock.now() + ttlMs }));
      },
      async take(sid, binding) {
        const [row] = await write(() => takeChallenge.all(sid, binding), (found) => found.length > 0);
        // An expired row is deleted all the same, and reads as absent.
        if (row === undefined || row.expires_at <= clock.now()) return undefined;
        return toStoredChallenge(sid, parseObject(row.data));
      },
      async count() {
        return (await call(() => countChallenges.get(clock.now()))) ?? 0;
      },
    },
    sessions: {
      async get(id) {
        const data = await call(() => getSession.get(id, clock.now()));
        return data === undefined ? undefined : parseSession(data);
      },
      async set(id, data, ttlMs, audit, replaces) {
        const row = sessionRow(id, data, ttlMs);
        if (audit === undefined && replaces === undefined) await write(() => setSession.run(row));
        else await write(() => setSessionWith.immediate(row, audit === undefined ? undefined : auditInsert(audit), replaces));
      },
      async update(id, data, ttlMs) {
        return changed(await write(() => updateSession.run({ ...sessionRow(id, data, ttlMs), now: clock.now() }), changed));
      },
      async destroy(id) {
        await write(() => destroySession.run(id), changed);
      },
      async destroyAllFor(address) {
        // Expired rows go too, but only live sessions count as destroyed.
        const now = clock.now();
        const destroyed = await write(() => destroySessionsFor.all(address), (rows) => rows.length > 0);
        return destroyed.filter((expiresAt) => expiresAt > now).length;
      },
      async listFor(address) {
        const rows = await call(() => listSessionsFor.all(address, clock.now()));
        return rows.flatMap((row) => {
          const data = parseSession(row.data);
          return data === undefined ? [] : [{ id: row.id, data, expiresAt: row.expires_at }];
        });
      },
      async count() {
        return (await call(() => countSessions.get(clock.now()))) ?? 0;
      },
    },
    users: {
      async add(address, createdAt) {
        return changed(await write(() => addUser.run(address, createdAt), changed));
      },
      async has(address) {
        return (await call(() => hasUser.get(address))) !== undefined;
      },
      async remove(address) {
        return changed(await write(() => removeUser.run(address), changed));
      },
      async list() {
        const rows = await call(() => listUsers.all());
        return rows.map((row) => ({ address: row.address, createdAt: row.created_at }));
      },
    },
    audit: {
      async append(entry) {
        await write(() => appendAudit.run(auditInsert(entry)));
      },
      async query(query) {
        return call(() => queryAudit(db, query));
      },
    },
    oidc: {
      async upsert(model, id, payload, ttlMs) {
        await write(() => upsertOidc.run(oidcRow(model, id, payload, clock.now() + ttlMs)));
      },
      async find(model, id) {
        return readOidc(await call(() => findOidc.get(model, id, clock.now())));
      },
      async findByUid(model, uid) {
        return readOidc(await call(() => findOidcByUid.get(model, uid, clock.now())));
      },
      async findByUserCode(model, userCode) {
        return readOidc(await call(() => findOidcByUserCode.get(model, userCode, clock.now())));
      },
      async consume(model, id, consumedAt) {
        return changed(await write(() => consumeOidc.run(consumedAt, model, id, clock.now()), changed));
      },
      async destroy(model, id) {
        await write(() => destroyOidc.run(model, id), changed);
      },
      async revokeByGrantId(model, grantId) {
        await write(() => revokeOidcGrant.run(grantId, model), changed);
      },
      async listByAccount(model, accountId) {
        const rows = await call(() => listOidcByAccount.all(model, accountId, clock.now()));
        return rows.flatMap((row) => {
          const payload = readOidc(row);
          return payload === undefined ? [] : [{ id: row.id, payload }];
        });
      },
    },
    clients: {
      async add(client) {
        return changed(await write(() => addClient.run(client.clientId, JSON.stringify(client), client.createdAt), changed));
      },
      async get(clientId) {
        const data = await call(() => getClient.get(clientId));
        return data === undefined ? undefined : parseClient(data);
      },
      async remove(clientId) {
        return changed(await write(() => removeClient.run(clientId), changed));
      },
      async list() {
        return (await call(() => listClients.all())).flatMap((data) => parseClient(data) ?? []);
      },
    },
    signingKeys: {
      async add(key) {
        return changed(await write(() => addKey.run(key.kid, JSON.stringify(key), key.createdAt), changed));
      },
      async list() {
        return (await call(() => listKeys.all())).flatMap((data) => parseSigningKey(data) ?? []);
      },
      async remove(kid) {
        return changed(await write(() => removeKey.run(kid), changed));
      },
    },
    createRateLimiter(options) {
      const limiter = new RateLimiterSQLite({
        storeClient: rateLimiterClient,
        storeType: 'better-sqlite3',
        tableName: 'rate_limits',
        tableCreated: true,
        keyPrefix: options.keyPrefix,
        points: options.points,
        duration: options.duration,
      });
      return guardRateLimiter(limiter, { classify, writes });
    },
    async check() {
      const started = performance.now();
      try {
        await call(() => ping.get());
        await writes.recheck(() => call(() => probe.immediate()));
        return [{ name: 'sqlite', ok: true, latencyMs: performance.now() - started }];
      } catch (error) {
        return [{ name: 'sqlite', ok: false, latencyMs: performance.now() - started, error: describeFailure(error) }];
      }
    },
    async sweep() {
      // Deletes only; what it removes is no proof that writes are served again.
      await write(() => sweep(clock.now()), () => false);
    },
    auditBacklog() {
      // A sign-in's entry is written with its session: nothing ever waits.
      return 0;
    },
    async close() {
      if (db.open) db.close();
    },
  };
}

interface SessionRow {
  id: string;
  address: string | null;
  data: string;
  expiresAt: number;
}

interface OidcRow {
  model: string;
  id: string;
  payload: string;
  grantId: string | null;
  uid: string | null;
  userCode: string | null;
  accountId: string | null;
  consumed: number | null;
  expiresAt: number;
}

/** The row of an oidc-provider record: its indexed fields in columns of their own. */
function oidcRow(model: string, id: string, payload: OidcPayload, expiresAt: number): OidcRow {
  const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);
  const { consumed, ...rest } = payload;
  return {
    model, id, payload: JSON.stringify(rest), expiresAt,
    grantId: text(payload.grantId), uid: text(payload.uid), userCode: text(payload.userCode), accountId: text(payload.accountId),
    consumed: typeof consumed === 'number' ? consumed : null,
  };
}

/** A row's payload with its consumed mark, or undefined when absent or corrupt. */
function readOidc(row: { payload: string; consumed: number | null } | undefined): OidcPayload | undefined {
  if (row === undefined) return undefined;
  const payload = parseObject(row.payload);
  if (payload === undefined) return undefined;
  return row.consumed === null ? payload : { ...payload, consumed: row.consumed };
}

interface AuditInsert {
  at: number;
  action: string;
  outcome: string;
  address: string | null;
  ip: string;
  userAgent: string | null;
  instance: string;
  method: string | null;
}

function auditInsert(entry: AuditEntry): AuditInsert {
  return {
    at: entry.at, action: entry.action, outcome: entry.outcome, address: entry.address ?? null,
    ip: entry.ip, userAgent: entry.userAgent ?? null, instance: entry.instance, method: entry.method ?? null,
  };
}


/** SQLite result codes a statement causes itself (bad SQL, a constraint, misuse): a bug, so a 500. */
const STATEMENT_FAULT = /^SQLITE_(ERROR|CONSTRAINT|MISMATCH|MISUSE|RANGE|TOOBIG)(_|$)/;

/**
 * A failure of the file to serve a call → StoreUnavailableError: a full disk (SQLITE_FULL), I/O
 * errors (SQLITE_IOERR_*), a lock held past busy_timeout (SQLITE_BUSY, SQLITE_LOCKED), a
 * read-only or vanished file (SQLITE_READONLY_*, SQLITE_CANTOPEN), a damaged one
 * (SQLITE_CORRUPT, SQLITE_NOTADB), and a connection already closed at shutdown. A fault of the
 * statement itself stays as it is (a 500).
 */
function classify(error: unknown): unknown {
  if (error instanceof StoreUnavailableError) return error;
  if (error instanceof Database.SqliteError) {
    if (STATEMENT_FAULT.test(error.code)) return error;
    return new StoreUnavailableError('sqlite', `${error.message} (${error.code})`, { cause: error });
  }
  // better-sqlite3's own TypeError (from the native side, so matched by name, not instanceof).
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (name === 'TypeError' && typeof message === 'string' && /connection is not open/.test(message)) {
    return new StoreUnavailableError('sqlite', 'the database is closed', { cause: error });
  }
  return error;
}

/** Creates `file` readable and writable by its owner only (whatever the umask), if it is missing. */
function createPrivateFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}

function chmodIfExists(file: string, mode: number): void {
  try {
    fs.chmodSync(file, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** The audit query's filters, each with its condition on the parameter of its name. */
const AUDIT_FILTERS = [
  ['address', 'address = @address'],
  ['since', 'at >= @since'],
  ['until', 'at < @until'],
  ['outcome', 'outcome = @outcome'],
] as const satisfies ReadonlyArray<readonly [keyof AuditQuery, string]>;

function queryAudit(db: Database.Database, query: AuditQuery): AuditEntry[] {
  const where: string[] = [];
  const params: Record<string, string | number> = { limit: query.limit ?? 100 };
  for (const [name, condition] of AUDIT_FILTERS) {
    const value = query[name];
    if (value === undefined) continue;
    where.push(condition);
    params[name] = value;
  }
  const sql =
    'SELECT at, action, outcome, address, ip, user_agent, instance, method FROM audit' +
    (where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '') +
    ' ORDER BY at DESC, id DESC LIMIT @limit';
  return db.prepare<Record<string, string | number>, AuditRow>(sql).all(params).map(toAuditEntry);
}

/** Creates or upgrades the schema; one writer at a time, so concurrent first opens are safe. */
function migrate(db: Database.Database, file: string): void {
  db.transaction(() => {
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(
        `${file} has schema version ${version}; this server knows up to ${SCHEMA_VERSION}`,
      );
    }
    db.exec(SCHEMA);
    // audit.method came later: a nullable column older servers neither read nor write, so it is
    // added where missing without a version bump (which would lock them out of the file).
    const auditColumns = db.prepare<[], { name: string }>('SELECT name FROM pragma_table_info(\'audit\')').all();
    if (!auditColumns.some(({ name }) => name === 'method')) db.exec('ALTER TABLE audit ADD COLUMN method TEXT');
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
  }).immediate();
}
