// Properties of the message parser (fast-check): it round-trips every message the renderer makes;
// it never throws anything but ChallengeError('message_malformed'); and it is canonical — any text
// it accepts is exactly what the renderer makes of the parsed fields, so no edit of a message (one
// character, a line, case, whitespace) parses to the same fields, and a signature over the original
// never verifies for the edit.

import fc from 'fast-check';
import { Wallet } from 'ethers';
import { bytesToHex } from '@noble/hashes/utils';
import {
  ChallengeError,
  createJsonChallengeMessage,
  createSiweMessage,
  parseChallengeMessage,
  parseJsonChallengeMessage,
  parseSiweMessage,
  privateKeyToAddress,
  toChecksumAddress,
  verifyChallenge,
  ZERO_ADDRESS,
  type SiweFields,
} from './index';

const KEY = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
const SIGNER = privateKeyToAddress(KEY);

/** An EIP-191 signature by ethers: a signer independent of the code under test. */
const signText = (message: string, key: string): string => new Wallet(key).signMessageSync(message);

/** Runs `fn`; a thrown ChallengeError with `code` gives its code, any other throw fails the property. */
function outcome<T>(fn: () => T, code: ChallengeError['code']): { ok: true; value: T } | { ok: false } {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (!(error instanceof ChallengeError) || error.code !== code) {
      throw new Error(`threw something other than ChallengeError ${code}: ${String(error)}`, { cause: error });
    }
    return { ok: false };
  }
}

/** The text a parse result renders back to. */
function render(parsed: ReturnType<typeof parseChallengeMessage>): string {
  return parsed.format === 'json' ? createJsonChallengeMessage(parsed.challenge) : createSiweMessage(parsed.fields);
}

// ——— arbitraries for well-formed EIP-4361 fields ———

const pad = (value: number, width = 2) => String(value).padStart(width, '0');

/** RFC 3339 date-times in the forms the grammar allows: Z or offsets, t/z in either case, 0–9 fraction digits. */
const dateTime = fc
  .record({
    ms: fc.integer({ min: 0, max: 253402300799999 }),
    fraction: fc.option(fc.stringMatching(/^[0-9]{1,9}$/), { nil: undefined }),
    offset: fc.option(fc.record({ sign: fc.constantFrom('+', '-'), hours: fc.integer({ min: 0, max: 23 }), minutes: fc.integer({ min: 0, max: 59 }) }), { nil: undefined }),
    lowerT: fc.boolean(),
    lowerZ: fc.boolean(),
  })
  .map(({ ms, fraction, offset, lowerT, lowerZ }) => {
    const d = new Date(ms);
    const date = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction === undefined ? '' : `.${fraction}`}`;
    const zone = offset === undefined ? (lowerZ ? 'z' : 'Z') : `${offset.sign}${pad(offset.hours)}:${pad(offset.minutes)}`;
    return `${date}${lowerT ? 't' : 'T'}${time}${zone}`;
  });

const address = fc.oneof(
  fc.uint8Array({ minLength: 20, maxLength: 20 }).map((bytes) => toChecksumAddress(`0x${bytesToHex(bytes)}`)),
  fc.constant(ZERO_ADDRESS),
);

const domain = fc.tuple(fc.domain(), fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined })).map(([host, port]) => (port === undefined ? host : `${host}:${port}`));

const uri = fc.webUrl({ withQueryParameters: true, withFragments: true });

const siweFields: fc.Arbitrary<SiweFields> = fc
  .record({
    scheme: fc.option(fc.constantFrom('https', 'http', 'chrome-extension'), { nil: undefined }),
    domain,
    address,
    statement: fc.option(fc.stringMatching(/^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;= ]{1,80}$/), { nil: undefined }),
    uri,
    chainId: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    nonce: fc.stringMatching(/^[A-Za-z0-9]{8,40}$/),
    issuedAt: dateTime,
    expirationTime: fc.option(dateTime, { nil: undefined }),
    notBefore: fc.option(dateTime, { nil: undefined }),
    requestId: fc.option(fc.stringMatching(/^[A-Za-z0-9\-._~!$&'()*+,;=:@]{0,40}$/), { nil: undefined }),
    resources: fc.option(fc.array(uri, { maxLength: 4 }), { nil: undefined }),
  })
  .map((record) => {
    const fields: SiweFields = { ...record, version: '1' };
    for (const key of Object.keys(fields) as Array<keyof SiweFields>) if (fields[key] === undefined) delete fields[key];
    return fields;
  });

// ——— mutations ———

/** Characters a mutation inserts or substitutes: structure, whitespace, look-alikes, controls. */
const mutationChar = fc.oneof(
  fc.constantFrom('\n', '\r', ' ', '\t', ':', '-', '0', '9', 'a', 'Z', 'x', '.', '/', '%', '\u0000', '\u00a0', '\u2028', '\ufeff', 'é', 'Ａ', '０'),
  fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
);

type Mutation = (text: string) => string;

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.nat(), mutationChar).map(([at, char]): Mutation => (t) => { const i = at % (t.length + 1); return t.slice(0, i) + char + t.slice(i); }),
  fc.tuple(fc.nat(), mutationChar).map(([at, char]): Mutation => (t) => { const i = at % t.length; return t.slice(0, i) + char + t.slice(i + 1); }),
  fc.nat().map((at): Mutation => (t) => { const i = at % t.length; return t.slice(0, i) + t.slice(i + 1); }),
  fc.nat().map((at): Mutation => (t) => { const i = at % t.length; const c = t[i] as string; const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase(); return t.slice(0, i) + flipped + t.slice(i + 1); }),
  fc.nat().map((at): Mutation => (t) => t.slice(0, at % t.length)),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]): Mutation => (t) => { const lines = t.split('\n'); const i = a % lines.length; const j = b % lines.length; [lines[i], lines[j]] = [lines[j] as string, lines[i] as string]; return lines.join('\n'); }),
  fc.nat().map((at): Mutation => (t) => { const lines = t.split('\n'); lines.splice(at % lines.length, 1); return lines.join('\n'); }),
  fc.nat().map((at): Mutation => (t) => { const lines = t.split('\n'); const i = at % lines.length; lines.splice(i, 0, lines[i] as string); return lines.join('\n'); }),
  fc.constantFrom<Mutation>((t) => `${t}\n`, (t) => `${t} `, (t) => ` ${t}`, (t) => t.replace(/\n/g, '\r\n'), (t) => t.toUpperCase(), (t) => t.normalize('NFKC').replace(/:/g, '\uff1a')),
);

/** Applies 1–3 mutations; the result may happen to equal the input (the properties allow for it). */
const mutations = fc.array(mutation, { minLength: 1, maxLength: 3 }).map((list): Mutation => (t) => list.reduce((text, m) => (text.length === 0 ? text : m(text)), t));

// ——— properties ———

describe('parseSiweMessage', () => {
  test('round-trips every message createSiweMessage renders', () => {
    fc.assert(
      fc.property(siweFields, (fields) => {
        const text = createSiweMessage(fields);
        expect(parseSiweMessage(text)).toEqual(fields);
      }),
      { numRuns: 300 },
    );
  });

  test('never throws anything but ChallengeError message_malformed, on any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 400 }), fc.string({ maxLength: 400 })), (text) => {
        outcome(() => parseChallengeMessage(text), 'message_malformed');
      }),
      { numRuns: 500 },
    );
  });

  test('never throws anything but ChallengeError message_malformed, on any value at all', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        outcome(() => parseChallengeMessage(value as string), 'message_malformed');
        outcome(() => parseSiweMessage(value as string), 'message_malformed');
      }),
      { numRuns: 300 },
    );
  });

  /** Runs `check` on 1000 generated messages, each with its fields, its text and a mutation of that text. */
  const forMutatedMessages = (check: (fields: SiweFields, original: string, mutated: string) => void): void =>
    fc.assert(
      fc.property(siweFields, mutations, (fields, mutate) => {
        const original = createSiweMessage(fields);
        check(fields, original, mutate(original));
      }),
      { numRuns: 1000 },
    );

  test('is canonical: whatever it accepts, mutated messages included, renders back to the same text', () => {
    forMutatedMessages((_fields, _original, mutated) => {
      const result = outcome(() => parseChallengeMessage(mutated), 'message_malformed');
      if (result.ok) expect(render(result.value)).toBe(mutated);
    });
  });

  test('never accepts a mutated message as the original: a changed text is refused or parses to other fields', () => {
    forMutatedMessages((fields, original, mutated) => {
      fc.pre(mutated !== original);
      const result = outcome(() => parseSiweMessage(mutated), 'message_malformed');
      if (result.ok) expect(result.value).not.toEqual(fields);
    });
  });
});

describe('parseJsonChallengeMessage', () => {
  const challenge = fc.record({ sid: fc.stringMatching(/^[A-Za-z0-9]{8,128}$/), timestamp: fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }) });

  test('round-trips, and any mutation is refused or renders back to itself with other values', () => {
    fc.assert(
      fc.property(challenge, mutations, (c, mutate) => {
        const original = createJsonChallengeMessage(c);
        expect(parseJsonChallengeMessage(original)).toEqual(c);
        const mutated = mutate(original);
        fc.pre(mutated !== original);
        const result = outcome(() => parseJsonChallengeMessage(mutated), 'message_malformed');
        if (result.ok) {
          expect(createJsonChallengeMessage(result.value)).toBe(mutated);
          expect(result.value).not.toEqual(c);
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('verifyChallenge over mutated messages', () => {
  test('a signature over a message never verifies a mutation of it, and only ChallengeErrors are thrown', () => {
    fc.assert(
      fc.property(siweFields, fc.boolean(), mutations, (generated, named, mutate) => {
        const timestamp = Date.UTC(2026, 0, 1);
        const fields: SiweFields = { ...generated, address: named ? SIGNER : ZERO_ADDRESS, issuedAt: new Date(timestamp).toISOString() };
        delete fields.expirationTime;
        delete fields.notBefore;
        const original = createSiweMessage(fields);
        const signature = signText(original, KEY);
        const params = { challenge: { sid: fields.nonce, timestamp }, signature, now: timestamp, ttlMs: 300_000, domain: fields.domain, uri: fields.uri, chainId: fields.chainId };
        expect(verifyChallenge({ ...params, message: original }).address).toBe(SIGNER);

        const mutated = mutate(original);
        fc.pre(mutated !== original);
        let verified: string | undefined;
        try {
          verified = verifyChallenge({ ...params, message: mutated }).address;
        } catch (error) {
          expect(error).toBeInstanceOf(ChallengeError);
          return;
        }
        expect(verified).not.toBe(SIGNER);
      }),
      { numRuns: 200 },
    );
  });
});
