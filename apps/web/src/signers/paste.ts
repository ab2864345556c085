// Paste-a-signature mode: the page shows the challenge, the person signs it elsewhere (the CLI's
// `wallet-login sign`, a wallet's signing tool) and pastes the signature back.

import { AppError } from '../errors';

/**
 * Tidies a pasted signature: surrounding whitespace and quotes go, a missing 0x is added. Anything
 * that is not 65 bytes of hex is signature_malformed; the server checks the rest (v, r, s ranges).
 */
export function normalizePastedSignature(text: string): string {
  const hex = text.trim().replace(/^["']|["']$/g, '').trim().replace(/^0x/i, '');
  if (!/^[0-9a-fA-F]{130}$/.test(hex)) throw new AppError('signature_malformed');
  return `0x${hex.toLowerCase()}`;
}

/** The CLI line that signs a message saved to message.txt, shown next to the message. */
export const CLI_SIGN_COMMAND = 'npx wallet-login sign --message - < message.txt';
