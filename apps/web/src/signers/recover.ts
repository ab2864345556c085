// Who signed a pasted signature, worked out in the page before anything is sent (EIP-191
// recovery, the challenge library's, as the server does it), so the page can name the address
// and catch a signature of a different text: most often the message saved with Windows line
// endings (CRLF) and signed by a tool that does not turn them back into the issued LF. Loaded on
// demand, so only people who paste a signature download the curve code.

import { recoverMessageAddress } from '@wallet-login/challenge';

export interface PastedSigner {
  /** The address the signature recovers to over the issued message. */
  address: string;
  /**
   * Set when the message names its signer (`expected`) and the signature is that signer's, but
   * of the message with CRLF line endings rather than as issued.
   */
  signedWithCrlf: boolean;
}

/** The signer of `signature` over `message`, or undefined when it recovers to no address. */
export function recoverPastedSigner({ message, signature, expected }: { message: string; signature: string; expected?: string }): PastedSigner | undefined {
  let address: string;
  try {
    address = recoverMessageAddress({ message, signature });
  } catch {
    return undefined;
  }
  if (expected === undefined || address === expected) return { address, signedWithCrlf: false };
  let crlfSigner: string | undefined;
  try {
    crlfSigner = recoverMessageAddress({ message: message.replace(/\n/g, '\r\n'), signature });
  } catch {
    crlfSigner = undefined;
  }
  return { address, signedWithCrlf: crlfSigner === expected };
}
