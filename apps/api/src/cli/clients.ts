// Admin CLI for the OpenID Connect provider's relying parties and signing keys, on this server's
// data (a running server sees a change at once: it reads clients from the store on every lookup).
//   npm run clients -- add --name NAME --redirect-uri URI [--redirect-uri URI…]
//                          [--post-logout-redirect-uri URI…] [--public]
//                          [--token-endpoint-auth-method client_secret_basic|client_secret_post]
//                          [--id-token-signed-response-alg ES256|RS256]
//                                   prints {"client_id","client_secret"?} (the secret only now)
//   npm run clients -- list         one JSON object per line, no secrets
//   npm run clients -- remove ID    unregisters the client
//   npm run clients -- rotate-keys  a new signing key of each algorithm; old ones stay published
//                                   until their tokens expire, and are deleted after

import { Command, InvalidArgumentError, Option } from 'commander';
import { escapeControlCharacters } from '@wallet-login/challenge';
import { systemRandom } from '../config';
import { ClientInputError, createClient } from '../oidc/clients';
import { rotateSigningKeys, retiredSigningKeys } from '../oidc/keys';
import { KEY_RETENTION_MS } from '../oidc/provider';
import type { OidcClient, Stores } from '../stores/types';
import { escapeOutput, runCliProcess, runProgram, UsageError, type CliIo } from './process';

export interface ClientsCliIo extends CliIo {
  /** @default the CSPRNG */
  random?: (length: number) => Uint8Array;
}


const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function choice<T extends string>(values: readonly T[]) {
  return (value: string): T => {
    if (!(values as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${values.join(', ')}`);
    return value as T;
  };
}

/** A client as `list` prints it: what a relying party's configuration needs, no secret. */
function listed(client: OidcClient): Record<string, unknown> {
  return {
    client_id: client.clientId,
    name: client.name,
    redirect_uris: client.redirectUris,
    post_logout_redirect_uris: client.postLogoutRedirectUris,
    token_endpoint_auth_method: client.tokenEndpointAuthMethod,
    id_token_signed_response_alg: client.idTokenSignedResponseAlg,
    created_at: client.createdAt,
  };
}

/** Runs the CLI on `argv` (without node and script); resolves to the exit code. */
export async function runClientsCli(argv: string[], io: ClientsCliIo): Promise<number> {
  let stores: Stores | undefined;
  const open = async () => (stores ??= await io.openStores());
  const random = io.random ?? systemRandom;
  const program = new Command('clients')
    .description('Manage the applications that sign in through the OpenID Connect provider.')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout(escapeOutput(text)), writeErr: (text) => io.stderr(escapeOutput(text)) });
  // JSON escapes control characters itself; bidi characters are escaped for the terminal too.
  const json = (value: unknown): void => io.stdout(`${escapeControlCharacters(JSON.stringify(value))}\n`);

  program
    .command('add')
    .description('register an application; prints its client_id (and client_secret, shown only now)')
    .requiredOption('--name <name>', 'shown on the sign-in page: "Sign in to <name>"')
    .requiredOption('--redirect-uri <uri>', 'an exact redirect URI (repeat for more)', collect)
    .option('--post-logout-redirect-uri <uri>', 'where end-session may send the browser (repeat for more)', collect)
    .option('--public', 'a public client (native or single-page app): no secret, PKCE required')
    .addOption(new Option('--token-endpoint-auth-method <method>', 'how a confidential client sends its secret').argParser(choice(['client_secret_basic', 'client_secret_post'] as const)))
    .addOption(new Option('--id-token-signed-response-alg <alg>', 'ID token algorithm').argParser(choice(['ES256', 'RS256'] as const)))
    .action(async (options: { name: string; redirectUri: string[]; postLogoutRedirectUri?: string[]; public?: boolean; tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post'; idTokenSignedResponseAlg?: 'ES256' | 'RS256' }) => {
      if (options.public && options.tokenEndpointAuthMethod !== undefined) throw new UsageError('--public and --token-endpoint-auth-method do not go together: a public client has no secret');
      let created: ReturnType<typeof createClient>;
      try {
        created = createClient(
          {
            name: options.name,
            redirectUris: options.redirectUri,
            postLogoutRedirectUris: options.postLogoutRedirectUri ?? [],
            public: options.public === true,
            ...(options.tokenEndpointAuthMethod !== undefined ? { tokenEndpointAuthMethod: options.tokenEndpointAuthMethod } : {}),
            ...(options.idTokenSignedResponseAlg !== undefined ? { idTokenSignedResponseAlg: options.idTokenSignedResponseAlg } : {}),
          },
          { random, now: io.clock.now() },
        );
      } catch (error) {
        if (error instanceof ClientInputError) throw new UsageError(error.message);
        throw error;
      }
      if (!(await (await open()).clients.add(created.client))) throw new Error('a client with that id exists already; run add again');
      json({ client_id: created.client.clientId, ...(created.secret !== undefined ? { client_secret: created.secret } : {}) });
    });
  program
    .command('list')
    .description('list the registered applications, oldest first (one JSON object per line)')
    .action(async () => {
      for (const client of await (await open()).clients.list()) json(listed(client));
    });
  program
    .command('remove')
    .argument('<client_id>', 'the client to unregister')
    .description('unregister an application; its tokens are refused from then on')
    .action(async (clientId: string) => {
      if (!(await (await open()).clients.remove(clientId))) throw new UsageError(`no such client: "${clientId}"`);
      io.stdout(`${escapeControlCharacters(`removed ${clientId}`)}\n`);
    });
  program
    .command('rotate-keys')
    .description('add a new signing key of each algorithm; the old ones stay published until their tokens expire')
    .action(async () => {
      const { signingKeys } = await open();
      const now = io.clock.now();
      const added = await rotateSigningKeys(signingKeys, io.clock);
      const retired = retiredSigningKeys(await signingKeys.list(), now, KEY_RETENTION_MS);
      for (const key of retired) await signingKeys.remove(key.kid);
      json({ added: added.map((key) => ({ kid: key.kid, alg: key.alg })), removed: retired.map((key) => key.kid) });
    });

  try {
    return await runProgram(program, argv, io, 1);
  } finally {
    await stores?.close();
  }
}

if (require.main === module) runCliProcess(runClientsCli);
