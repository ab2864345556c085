// Text that a client or a server chose (a User-Agent header, an error message) shown to a person:
// in a terminal (the CLIs) a C0 ESC or a C1 CSI (0x9b) written raw would drive it, and anywhere (the
// page's session list too) a bidi override would make the text read differently from what it
// holds. So every such character is written as a \uXXXX escape, which JSON reads the same way: a
// JSON line escaped this way is still valid JSON with the same value.

/**
 * C0 controls (U+0000–U+001F, line feed and tab included), DEL (U+007F), C1 controls
 * (U+0080–U+009F; in ECMA-48, 0x9b is CSI, the one-byte ESC [), and the bidi embeddings,
 * overrides and isolates (U+202A–U+202E, U+2066–U+2069; Unicode UAX #9 §2, CVE-2021-42574).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with each control or bidi formatting character written as `\uXXXX`. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
