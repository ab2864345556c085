// Lua scripts for the Redis stores. Redis runs a script as one atomic step, so each of these
// checks and writes without another client's command in between. Every key a script touches is
// passed in KEYS. Times are ms on the API's clock, passed in ARGV: Redis's own TTLs only collect
// garbage, the stored expiry decides what is live.

export const SCRIPTS = {
  /**
   * Challenge take, if the binding matches. KEYS: challenge, challenge index. ARGV: sid, binding.
   * Returns the stored value (deleted, expired or not) when its challenge's binding is ARGV[2];
   * nil, leaving it in place, when it has another binding or is not a stored challenge at all.
   * A key that is gone (expired in Redis) has its index entry dropped.
   */
  takeChallenge: {
    numberOfKeys: 2,
    lua: `
      local value = redis.call('GET', KEYS[1])
      if not value then
        redis.call('ZREM', KEYS[2], ARGV[1])
        return nil
      end
      local ok, stored = pcall(cjson.decode, value)
      if not ok or type(stored) ~= 'table' or type(stored.c) ~= 'table' or stored.c.binding ~= ARGV[2] then
        return nil
      end
      redis.call('DEL', KEYS[1])
      redis.call('ZREM', KEYS[2], ARGV[1])
      return value`,
  },

  /**
   * Session write. KEYS: session, session index, [address index]. ARGV: id, expiresAt, ttlMs,
   * data, address ('' when none), onlyIfLive ('1' or '0'), now.
   * With onlyIfLive, writes only over a live session (update); returns 1 when written, else 0.
   */
  writeSession: {
    lua: `
      if ARGV[6] == '1' then
        if redis.call('TYPE', KEYS[1]).ok ~= 'hash' then return 0 end
        local expires = tonumber(redis.call('HGET', KEYS[1], 'x'))
        if not expires or expires <= tonumber(ARGV[7]) then return 0 end
      end
      redis.call('DEL', KEYS[1])
      if ARGV[5] ~= '' then
        redis.call('HSET', KEYS[1], 'x', ARGV[2], 'd', ARGV[4], 'a', ARGV[5])
      else
        redis.call('HSET', KEYS[1], 'x', ARGV[2], 'd', ARGV[4])
      end
      redis.call('PEXPIRE', KEYS[1], ARGV[3])
      redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
      if KEYS[3] then
        redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
        if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[3], ARGV[3]) end
      end
      return 1`,
  },

  /**
   * The sessions an address index names. KEYS: address index, session 1..n. ARGV: address,
   * id 1..n. Returns [id, expiresAt, data, ...] of the sessions still bound to the address (live
   * or not: the caller compares with its clock) and drops the other ids from the index.
   */
  sessionsOf: {
    lua: `
      local found = {}
      for i = 2, #KEYS do
        local fields = redis.call('HMGET', KEYS[i], 'a', 'x', 'd')
        if fields[1] == ARGV[1] then
          table.insert(found, ARGV[i])
          table.insert(found, fields[2])
          table.insert(found, fields[3])
        else
          redis.call('ZREM', KEYS[1], ARGV[i])
        end
      end
      return found`,
  },

  /**
   * Deletes the sessions an address index names that are still bound to the address.
   * KEYS: address index, session index, session 3..n. ARGV: address, now, id 3..n.
   * Returns how many of them were live.
   */
  destroySessionsOf: {
    lua: `
      local live = 0
      for i = 3, #KEYS do
        local fields = redis.call('HMGET', KEYS[i], 'a', 'x')
        if fields[1] == ARGV[1] then
          local expires = tonumber(fields[2])
          if expires and expires > tonumber(ARGV[2]) then live = live + 1 end
          redis.call('DEL', KEYS[i])
          redis.call('ZREM', KEYS[2], ARGV[i])
        end
        redis.call('ZREM', KEYS[1], ARGV[i])
      end
      return live`,
  },

  /**
   * oidc-provider record write. KEYS: record, consumed mark, record index, grant index, uid key,
   * user code key, account index. ARGV: member (`model:id`), expiresAt, ttlMs, value, consumed
   * ('' when not consumed), id, then '1'/'0' for whether the grant, uid, user code and account
   * keys apply. Index keys live at least as long as the record they name.
   */
  upsertOidc: {
    numberOfKeys: 7,
    lua: `
      local ttl = tonumber(ARGV[3])
      local function extend(key)
        if redis.call('PTTL', key) < ttl then redis.call('PEXPIRE', key, ttl) end
      end
      redis.call('SET', KEYS[1], ARGV[4], 'PX', ttl)
      if ARGV[5] ~= '' then redis.call('SET', KEYS[2], ARGV[5], 'PX', ttl) else redis.call('DEL', KEYS[2]) end
      redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
      if ARGV[7] == '1' then
        redis.call('SADD', KEYS[4], ARGV[1])
        extend(KEYS[4])
      end
      if ARGV[8] == '1' then redis.call('SET', KEYS[5], ARGV[6], 'PX', ttl) end
      if ARGV[9] == '1' then redis.call('SET', KEYS[6], ARGV[6], 'PX', ttl) end
      if ARGV[10] == '1' then
        redis.call('ZADD', KEYS[7], ARGV[2], ARGV[6])
        extend(KEYS[7])
      end
      return 1`,
  },

  /**
   * oidc-provider record consume. KEYS: record, consumed mark. ARGV: consumedAt, now. Sets the
   * mark only when the record is live and not yet marked; returns 1 when this call set it.
   */
  consumeOidc: {
    numberOfKeys: 2,
    lua: `
      local value = redis.call('GET', KEYS[1])
      if not value then return 0 end
      local ok, stored = pcall(cjson.decode, value)
      if not ok or type(stored) ~= 'table' or type(stored.x) ~= 'number' or stored.x <= tonumber(ARGV[2]) then return 0 end
      local ttl = redis.call('PTTL', KEYS[1])
      if ttl <= 0 then ttl = 1 end
      if redis.call('SET', KEYS[2], ARGV[1], 'NX', 'PX', ttl) then return 1 end
      return 0`,
  },

  /**
   * Deletes expired entries named by an index (challenges or sessions). KEYS: index, entry
   * 2..n. ARGV: now, id 2..n. An entry renewed since the caller read the index is kept.
   */
  sweep: {
    lua: `
      local swept = 0
      for i = 2, #KEYS do
        local expires = tonumber(redis.call('ZSCORE', KEYS[1], ARGV[i]))
        if expires and expires <= tonumber(ARGV[1]) then
          redis.call('DEL', KEYS[i])
          redis.call('ZREM', KEYS[1], ARGV[i])
          swept = swept + 1
        end
      end
      return swept`,
  },
} as const;
