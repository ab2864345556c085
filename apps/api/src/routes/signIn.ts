// Signing in, under /api/auth: POST /challenge issues a challenge to this browser session, POST
// /login and POST /register trade a signed one for a signed-in session (registering the signer
// first for /register). Every attempt is rate limited per client IP, failures count against the
// address a signature proves, and each attempt is audited: an accepted one with its session.
//
// Who signed, in this order (the first that decides, decides):
//   1. a 65-byte signature that passes the strict key-pair checks (EIP-2 low s, v 27/28) and
//      recovers to the address the challenge names (or, over a challenge naming none, to anyone)
//      signs that key pair (EOA) in, with no RPC call: an RPC that is away never slows it;
//   2. otherwise, over an EIP-4361 challenge that names an address, the chain decides: one
//      eth_call of the ERC-6492 universal validator (ERC-1271 isValidSignature of a deployed
//      wallet, a wrapped signature of one not yet deployed) over the EIP-191 hash of the exact
//      message issued. Valid: that contract wallet signs in. Not valid: 401 signature_invalid. The
//      RPC cannot decide (away, an error, past RPC_TIMEOUT_MS): 503 with Retry-After, never a
//      session. No RPC for the chain (RPC_URLS): 401 signature_invalid saying so.
// A contract cannot be recovered from its signature, so a signature that is not a key pair's
// needs a challenge that names the address (400 otherwise, before the challenge is used up). In
// every case the challenge is used up by the attempt that takes it.

import Router from 'koa-router';
import type { Context, ParameterizedContext } from 'koa';
// The request bodies of the wire contract: strict, so a key they do not list is refused (400).
import { challengeRequest as challengeBody, signInRequest as loginBody } from '@wallet-login/contract';
import {
  ChallengeError,
  createChallenge,
  createChallengeMessage,
  isChallengeError,
  isSid,
  normalizeAddress,
  parseSignature,
  verifyChallenge,
  verifyChallengeMessage,
  type ChallengeFormat,
  ZERO_ADDRESS,
  type ParsedSignature,
  type RecoverAddress,
  type RenderedChallenge,
} from '@wallet-login/challenge';
import { fromChainError, type ContractWalletVerifier } from '../chain';
import { ApiError } from '../errors';
import { parseBody } from '../middleware/body';
import type { Clock, StoredChallenge, Stores } from '../stores/types';
import type { SessionState, SignInProof } from '../middleware/session';
import { toApiError } from '../middleware/errors';
import type { RateLimits } from '../middleware/rateLimit';
import type { Audit } from './audit';

export interface SignInRoutesOptions {
  stores: Pick<Stores, 'challenges' | 'users'>;
  clock: Clock;
  random: (length: number) => Uint8Array;
  /** EIP-4361 domain (host[:port] of the public origin). */
  domain: string;
  /** EIP-4361 URI (the public origin). */
  uri: string;
  /**
   * Origins a challenge may name instead of `uri` (ALLOWED_ORIGINS, e.g. the SSO subdomains):
   * a challenge names the origin the request comes from when it is one of these, since wallets
   * compare the message's domain with the page asking (EIP-4361 §Security Considerations).
   * @default none: every challenge names `uri`
   */
  siteOrigins?: readonly string[];
  chainId: number;
  statement: string;
  /**
   * The challenge forms issued (CHALLENGE_FORMATS); asking for another is 400. The JSON form names
   * no site, so a wallet cannot warn that the page asking is not this server.
   */
  formats: readonly ChallengeFormat[];
  registration: 'open' | 'closed';
  challengeTtlMs: number;
  clockSkewMs: number;
  limits: RateLimits;
  /** Outstanding challenges one browser session may hold; issuing another drops the oldest. */
  maxChallengesPerSession: number;
  /** Outstanding challenges in all; past it challenge requests get 503 until some expire. */
  maxChallenges: number;
  /**
   * Signer recovery for verifyChallenge (the native one from `@wallet-login/challenge/native`).
   * @default recoverAddressPure
   */
  recover?: RecoverAddress;
  /**
   * Contract-wallet signatures (ERC-1271, ERC-6492), checked on the chain of `chainId` when it has
   * an RPC; asked only when a signature is not a valid key-pair signature of the named address.
   */
  contractWallets: Pick<ContractWalletVerifier, 'hasChain' | 'verifyContractSignature'>;
  audit: Audit;
  /**
   * The EIP-4361 Resources of a challenge asked for with `interaction` (the OpenID Connect layer's
   * resourcesFor: the authorization request's redirect URI); empty for an unknown uid.
   * @default none: `interaction` lists nothing
   */
  resourcesFor?: (interaction: string) => Promise<string[]>;
}

/** Who signed a challenge, and how the address proved itself. */
interface Signer {
  address: string;
  proof: SignInProof;
}

/** `0x` + r ‖ s ‖ v: a key pair's (EOA) signature. */
const EOA_SIGNATURE_LENGTH = 2 + 65 * 2;

/** The EIP-4361 domain and URI a challenge names. */
interface Site {
  domain: string;
  uri: string;
}

/** How long past its expiry a challenge is kept, so a late login hears "expired", not "not found". */
const EXPIRED_CHALLENGE_RETENTION_MS = 60_000;
/** How often the live challenge count is read from the store (between reads it is estimated). */
const CHALLENGE_COUNT_REFRESH_MS = 1_000;

export function signInRoutes(options: SignInRoutesOptions): Router<SessionState> {
  const { stores, clock, random, limits, audit } = options;
  const router = new Router<SessionState>({ sensitive: true });
  const publicSite: Site = { domain: options.domain, uri: options.uri };
  const sites = new Map<string, Site>((options.siteOrigins ?? []).map((origin) => [origin, { domain: new URL(origin).host, uri: origin }]));
  /** The site the request comes from (its Origin, else its own origin) if allowed, else the public origin. */
  const siteOfRequest = (ctx: Context): Site =>
    sites.get(ctx.get('Origin')) ?? sites.get(`${ctx.protocol}://${ctx.host}`) ?? publicSite;

  // The live challenge count, read at most once a second and estimated in between.
  let counted = { at: -Infinity, live: 0 };
  const liveChallenges = async (now: number): Promise<number> => {
    if (now - counted.at >= CHALLENGE_COUNT_REFRESH_MS) counted = { at: now, live: await stores.challenges.count() };
    return counted.live;
  };

  router.post('/challenge', limits.perIp, async (ctx) => {
    const body = parseBody(challengeBody, ctx.request.body === undefined ? {} : ctx.request.body);
    const format: ChallengeFormat = body.format ?? 'siwe';
    if (!options.formats.includes(format)) {
      throw new ApiError('invalid_request', `This server does not issue ${format} challenges; it issues: ${options.formats.join(', ')}.`);
    }
    let address: string | undefined;
    if (body.address !== undefined) {
      address = normalizeAddress(body.address);
      if (!address) throw new ApiError('invalid_request', 'address is not an Ethereum address (0x + 40 hex digits, valid EIP-55 checksum if mixed case).');
    }

    const now = clock.now();
    if ((await liveChallenges(now)) >= options.maxChallenges) {
      throw new ApiError('service_unavailable', 'Too many sign-ins are in progress; try again shortly.', { retryAfterSeconds: 5 });
    }
    const session = ctx.state.session;
    const binding = session.start(now + options.challengeTtlMs + EXPIRED_CHALLENGE_RETENTION_MS);

    const challenge = createChallenge({ now, random });
    const expiresAt = now + options.challengeTtlMs;
    const site = siteOfRequest(ctx);
    // Where an OpenID Connect sign-in goes on to, for the wallet to show (an unknown uid: nowhere).
    const resources = format === 'siwe' && body.interaction !== undefined && options.resourcesFor ? await options.resourcesFor(body.interaction) : [];
    const message =
      format === 'siwe'
        ? createChallengeMessage({
            format, challenge, address, expiresAt, resources,
            ...site, chainId: options.chainId, statement: options.statement,
          })
        : createChallengeMessage({ format, challenge });
    // With what an EIP-4361 message was rendered from, which the login checks instead of parsing it.
    const rendered = format === 'siwe' ? { chainId: options.chainId, address: address ?? ZERO_ADDRESS } : {};
    const issued: StoredChallenge = { ...challenge, expiresAt, format, message, binding, ...site, ...rendered };
    await stores.challenges.put(issued, options.challengeTtlMs + EXPIRED_CHALLENGE_RETENTION_MS);
    counted.live += 1;
    // A session holds a bounded number of outstanding challenges: the oldest beyond it is dropped.
    const dropped = session.recordChallenge({ sid: challenge.sid, ...(address !== undefined ? { address } : {}) }, options.maxChallengesPerSession);
    for (const sid of dropped) await stores.challenges.take(sid, binding);
    ctx.body = { sid: challenge.sid, timestamp: challenge.timestamp, expiresAt, format, message };
  });

  const authenticate = (mode: 'login' | 'register') => async (ctx: ParameterizedContext<SessionState>) => {
    let signer: Signer | undefined;
    try {
      signer = await verifySignIn(mode, ctx);
      const created = await signIn(mode, ctx, signer);
      ctx.status = created ? 201 : 200;
      ctx.body = { address: signer.address };
    } catch (error) {
      const outcome = toApiError(error).code;
      audit(ctx, mode, outcome, signer?.address, signer?.proof.method);
      if (signer !== undefined && outcome !== 'rate_limited' && outcome !== 'service_unavailable') {
        await limits.failAddress(signer.address);
      }
      throw error;
    }
  };

  /** Takes the challenge the body names and returns who signed it; throws on the first check that fails. */
  const verifySignIn = async (mode: 'login' | 'register', ctx: ParameterizedContext<SessionState>): Promise<Signer> => {
    const body = parseBody(loginBody, ctx.request.body);
    if (!isSid(body.sid)) throw new ApiError('invalid_request', 'sid is not a challenge id.');
    const contractChecks = options.contractWallets.hasChain(options.chainId);
    // A 65-byte signature is decoded once, here. One that fails the strict checks is refused
    // (400) before the challenge is taken, so it does not use it up, unless a contract wallet on
    // this chain could have made it: any bytes may be a contract's signature, for it to judge.
    let keyPair: ParsedSignature | undefined;
    if (body.signature.length === EOA_SIGNATURE_LENGTH) {
      try {
        keyPair = parseSignature(body.signature);
      } catch (error) {
        if (!contractChecks) throw error;
      }
    }
    if (mode === 'register' && options.registration === 'closed') {
      throw new ApiError('registration_closed', 'Registration is closed on this server.');
    }

    // This session's record of the challenge: the address it was asked for.
    const session = ctx.state.session;
    const asked = session.outstandingChallenge(body.sid);
    // Registering adds whoever signed. Over a challenge that names no address any signature, even
    // one over other text, recovers to some address: registering needs one that names it.
    if (mode === 'register' && asked !== undefined && asked.address === undefined) {
      throw new ApiError('invalid_request', 'Registering needs a challenge that names the address: ask for one with {"address": "0x…"}.');
    }
    // Only a key pair can be recovered from its signature; a contract wallet must be named.
    if (keyPair === undefined && asked !== undefined && asked.address === undefined) {
      throw new ApiError(
        'invalid_request',
        'This signature is not a 65-byte key-pair signature, so it can only be a contract wallet\'s, and a contract wallet must be named: ask for a challenge with {"address": "0x…"}.',
      );
    }

    // Single use: taken (deleted) before anything about it is checked, so a second attempt fails
    // whatever became of the first. Only this browser session's own challenge is taken: another
    // session posting the sid (any signature) neither uses it up nor learns it exists.
    const challenge = session.binding === undefined || asked === undefined ? undefined : await stores.challenges.take(body.sid, session.binding);
    if (!challenge || asked === undefined) {
      throw new ApiError('challenge_not_found', 'No such challenge for this session; it may have been used already.');
    }
    if (body.message !== undefined && body.message !== challenge.message) {
      throw new ApiError('message_mismatch', 'The signed message is not the one issued for this challenge.');
    }

    // ChallengeErrors thrown here reach the error middleware, which maps them to API codes.
    const { domain, uri } = siteOfChallenge(challenge) ?? siteOfRequest(ctx);
    const rendered = renderedOf(challenge);
    const checks = {
      challenge, message: challenge.message, now: clock.now(),
      ttlMs: options.challengeTtlMs, skewMs: options.clockSkewMs,
      domain, uri, chainId: options.chainId,
      // The stored text is this server's own rendering: what it was rendered from is checked, not
      // a second parse of it.
      ...(rendered ? { rendered } : {}),
    };

    // 1. A key pair's signature: no RPC.
    let keyPairFailure: ChallengeError | undefined;
    if (keyPair !== undefined) {
      try {
        const { address } = verifyChallenge({ ...checks, signature: keyPair, recover: options.recover });
        // Only the address a challenge was asked for may sign it. An EIP-4361 message names it and
        // verifyChallenge holds the signer to it; the JSON form names none, so it is held here, and
        // refused the same way.
        if (asked.address === undefined || address === asked.address) return { address, proof: { method: 'eoa' } };
        keyPairFailure = new ChallengeError('signature_invalid', 'signature is not by the address the challenge was asked for');
      } catch (error) {
        // Only "not this key's signature" leaves the contract to ask; a stale or foreign message does not.
        if (!isChallengeError(error, 'signature_invalid')) throw error;
        keyPairFailure = error;
      }
    }

    // 2. A contract wallet's signature: the chain decides, over the exact message issued.
    const { format, expectedSigner } = verifyChallengeMessage(checks);
    if (format !== 'siwe' || expectedSigner === undefined) {
      if (keyPairFailure !== undefined) throw keyPairFailure;
      throw new ApiError('invalid_request', "A contract wallet's signature needs an EIP-4361 challenge that names its address: ask for one with {\"address\": \"0x…\"}.");
    }
    let valid: boolean;
    let method: 'erc1271' | 'erc6492';
    try {
      ({ valid, method } = await options.contractWallets.verifyContractSignature({
        chainId: options.chainId, address: expectedSigner, message: challenge.message, signature: body.signature,
      }));
    } catch (error) {
      // No RPC for the chain: 401 saying so; the RPC could not decide: 503, never "invalid".
      throw fromChainError(error) ?? error;
    }
    if (!valid) {
      throw new ApiError(
        'signature_invalid',
        `The signature is not by the named address: neither its key pair's nor, asked on chain ${options.chainId}, its contract wallet's (ERC-1271, ERC-6492).`,
      );
    }
    return { address: expectedSigner, proof: { method, chainId: options.chainId, message: challenge.message, signature: body.signature } };
  };

  /** Admits the verified `signer` (registering it first for `register`) and signs this session in; returns whether the user is new. */
  const signIn = async (mode: 'login' | 'register', ctx: ParameterizedContext<SessionState>, { address, proof }: Signer): Promise<boolean> => {
    // The failure count and the user list live in different stores: both are asked at once.
    const [, registered] = await Promise.all([limits.checkAddress(address), mode === 'login' ? stores.users.has(address) : true]);

    let created = false;
    if (mode === 'register') created = await stores.users.add(address, clock.now());
    else if (!registered) {
      throw new ApiError('address_not_registered', 'This address is not registered here.');
    }
    // The session and its audit entry are recorded together: no signed-in session without it.
    await ctx.state.session.rotate(address, audit.entry(ctx, mode, 'ok', address, proof.method), proof);
    return created;
  };

  router.post('/login', limits.perIp, authenticate('login'));
  router.post('/register', limits.perIp, authenticate('register'));

  return router;
}

/** What an issued challenge's message was rendered from, when stored with it (not by older versions). */
function renderedOf(challenge: StoredChallenge): RenderedChallenge | undefined {
  if (challenge.format === 'json') return { format: 'json' };
  const { domain, uri, chainId, address, expiresAt } = challenge;
  if (domain === undefined || uri === undefined || chainId === undefined || address === undefined) return undefined;
  return { format: 'siwe', domain, uri, chainId, address, expiresAt };
}

/** The site stored with the challenge, if it was stored with one. */
function siteOfChallenge({ domain, uri }: StoredChallenge): Site | undefined {
  return domain !== undefined && uri !== undefined ? { domain, uri } : undefined;
}
