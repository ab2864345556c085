// The few HTML pages the OpenID Connect provider renders itself: an error it cannot send back to
// a relying party (no usable redirect URI), the end-session confirmation, and "signed out" when
// the relying party named no post-logout redirect URI. Plain and styled, no script, no stack
// trace: the text is the OAuth error code and its description, HTML-escaped. Their one
// stylesheet is inline, allowed by its hash in the Content-Security-Policy (CSP Level 3 §8.3).

import { createHash } from 'node:crypto';

const STYLE = [
  'body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1d2330}',
  'main{max-width:28rem;margin:12vh auto;padding:2rem;background:#fff;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.12)}',
  'h1{font-size:1.25rem;margin:0 0 1rem}',
  'p{margin:0 0 1rem;overflow-wrap:anywhere}',
  'code{font-size:.9em;background:#eef0f4;padding:.1em .3em;border-radius:4px}',
  'button{font:inherit;padding:.55rem 1rem;border-radius:8px;border:1px solid #2f5bea;background:#2f5bea;color:#fff;margin-right:.5rem;cursor:pointer}',
  'button.secondary{background:#fff;color:#2f5bea}',
].join('');

/** The CSP source allowing STYLE (and only it) as an inline stylesheet. */
export const PAGE_STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/** HTML-escapes text for element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (char) => `&#${char.charCodeAt(0)};`);
}

/** A whole page: `title` is text, `body` is HTML the caller built from escaped parts. */
export function renderPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

/** An OAuth error that has no redirect URI to go back to (RFC 6749 §4.1.2.1: do not redirect). */
export function renderErrorPage(error: string, description: string | undefined): string {
  return renderPage(
    'Sign-in error',
    `<h1>This sign-in request cannot continue</h1>
<p><code>${escapeHtml(error)}</code></p>
${description ? `<p>${escapeHtml(description)}</p>` : ''}
<p>Go back to the application and start again.</p>`,
  );
}

/**
 * The RP-Initiated Logout confirmation (OpenID Connect RP-Initiated Logout 1.0 §2: the OP should
 * ask). `form` is oidc-provider's hidden form (its xsrf secret), id `op.logoutForm`.
 */
export function renderLogoutPage(form: string, clientName: string | undefined): string {
  const from = clientName ? ` (asked by ${escapeHtml(clientName)})` : '';
  return renderPage(
    'Sign out',
    `<h1>Sign out of wallet-login?</h1>
<p>This ends your wallet-login session in this browser${from}, and the sign-ins of the applications you reached through it.</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" autofocus>Sign out</button>
<button type="submit" form="op.logoutForm" class="secondary">Stay signed in</button>`,
  );
}

/** After a sign-out that named no post-logout redirect URI. */
export function renderSignedOutPage(): string {
  return renderPage('Signed out', '<h1>Signed out</h1>\n<p>You can close this page.</p>');
}
