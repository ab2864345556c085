// The keys that sign and check the session cookie, in the form Koa and the cookies module take
// (Keygrip's sign / verify / index): an HMAC-SHA1 of `name=value`, base64url, newest key first,
// older keys still accepted (rotation). Keygrip itself compares with tsscmp, which draws random
// bytes and computes two more HMACs per key for every cookie checked; a fixed-length digest is
// compared in constant time by crypto.timingSafeEqual at no extra cost. The digests are the
// same as Keygrip's, so cookies signed by either are read by the other.

import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';

export interface CookieKeys {
  /** The digest of `data` under the newest key. */
  sign(data: string): string;
  /** Whether `digest` is `data`'s under one of the keys. */
  verify(data: string, digest: string): boolean;
  /** Which key (0 the newest) `digest` is `data`'s under, or -1. */
  index(data: string, digest: string): number;
}

export function createCookieKeys(keys: readonly string[]): CookieKeys {
  if (keys.length === 0) throw new Error('at least one cookie key is needed');
  const secrets: KeyObject[] = keys.map((key) => createSecretKey(Buffer.from(key, 'utf8')));
  const digestOf = (data: string, secret: KeyObject): Buffer => createHmac('sha1', secret).update(data).digest();
  const index = (data: string, digest: string): number => {
    // A SHA-1 digest in base64url is 27 characters; anything else matches no key.
    if (typeof digest !== 'string' || digest.length !== 27) return -1;
    const given = Buffer.from(digest, 'base64url');
    if (given.length !== 20 || given.toString('base64url') !== digest) return -1;
    for (let i = 0; i < secrets.length; i += 1) {
      if (timingSafeEqual(digestOf(data, secrets[i]!), given)) return i;
    }
    return -1;
  };
  return {
    sign: (data) => digestOf(data, secrets[0]!).toString('base64url'),
    verify: (data, digest) => index(data, digest) > -1,
    index,
  };
}
