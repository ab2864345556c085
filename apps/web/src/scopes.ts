// What an OpenID Connect scope lets an application learn, in words for people: shown at the
// consent step (Interaction.tsx) and beside each app in "Apps you allowed" (AllowedApps.tsx), so
// the two say the same thing.

/** What each scope lets the application have, in words. */
const SCOPE_WORDS: Readonly<Record<string, string>> = {
  openid: 'Your address, as your account there',
  profile: 'Your address as your user name',
  offline_access: 'Access while you are away, until you sign out everywhere or remove it',
};

/** The scopes as sentences, each once, in the order given; one the page does not know is named as asked. */
export function describeScopes(scopes: readonly string[]): string[] {
  return [...new Set(scopes)].map((scope) => (Object.hasOwn(SCOPE_WORDS, scope) ? SCOPE_WORDS[scope]! : `Access it calls “${scope}”`));
}
