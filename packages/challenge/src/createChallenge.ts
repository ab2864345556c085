// Issuing a challenge: a fresh sid and the issue time.

import type { Challenge } from './createChallengeMessage';
import { generateSid, type RandomBytes } from './generateSid';

export interface CreateChallengeParameters {
  /** Issue time, ms since the epoch, from the caller's clock. */
  now: number;
  /**
   * CSPRNG for the sid.
   * @default crypto.getRandomValues
   */
  random?: RandomBytes;
}

/** A new challenge `{ sid, timestamp }`. */
export function createChallenge({ now, random }: CreateChallengeParameters): Challenge {
  return { sid: generateSid({ random }), timestamp: now };
}
