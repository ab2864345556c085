// Public surface of @wallet-login/challenge: re-exports only.
export { ChallengeError, isChallengeError, type ChallengeErrorCode } from './errors';
export { generateSid, isSid, cryptoRandomBytes, SID_LENGTH, type RandomBytes, type GenerateSidParameters } from './generateSid';
export { createChallenge, type CreateChallengeParameters } from './createChallenge';
export {
  createChallengeMessage,
  createJsonChallengeMessage,
  createSiweMessage,
  toIsoTime,
  CHALLENGE_FORMATS,
  type Challenge,
  type ChallengeFormat,
  type CreateChallengeMessageParameters,
  type SiweFields,
  type SiweMessageParameters,
} from './createChallengeMessage';
export { parseChallengeMessage, parseJsonChallengeMessage, parseSiweMessage, type ParsedChallengeMessage } from './parseChallengeMessage';
export {
  parseSignature,
  parseSignatureLenient,
  isParsedSignature,
  checkParsedSignature,
  validateSignatureFormat,
  hashMessage,
  recoverMessageAddress,
  recoverAddressPure,
  type ParsedSignature,
  type RecoverAddress,
  type RecoverMessageAddressParameters,
} from './verifySignature';
export {
  verifyChallenge,
  verifyChallengeMessage,
  type VerifyChallengeParameters,
  type VerifyChallengeMessageParameters,
  type VerifiedChallenge,
  type VerifiedChallengeMessage,
  type RenderedChallenge,
} from './verifyChallenge';
export { verifyIssuedChallenge, type VerifyIssuedChallengeParameters } from './verifyIssuedChallenge';
export { privateKeyToAddress, normalizePrivateKey } from './privateKey';
export { toChecksumAddress, isChecksumAddress, normalizeAddress, ZERO_ADDRESS } from './address';
export { SIWE_LIMITS } from './grammar';
export { escapeControlCharacters } from './escapeControlCharacters';
