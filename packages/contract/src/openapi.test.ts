import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { API_ERROR_STATUS, type ApiErrorCode } from './errors';
import { apiOperations } from './operations';
import { createOpenApiDocument, type JsonSchema } from './openapi';

const document = createOpenApiDocument();
const text = JSON.stringify(document);
const component = (name: string) => document.components.schemas[name] as JsonSchema & { properties: Record<string, JsonSchema> };

describe('the same bytes every time', () => {
  test('two calls give byte-identical JSON', () => {
    expect(JSON.stringify(createOpenApiDocument())).toBe(text);
  });

  test('a fresh load of the package gives byte-identical JSON', () => {
    let again = '';
    jest.isolateModules(() => {
      const fresh = require('./openapi') as typeof import('./openapi');
      again = JSON.stringify(fresh.createOpenApiDocument());
    });
    expect(again).toBe(text);
  });

  test('another node process gives byte-identical JSON', () => {
    const root = join(__dirname, '..', '..', '..');
    const script = `process.stdout.write(JSON.stringify(require(${JSON.stringify(join(__dirname, 'index.ts'))}).createOpenApiDocument()))`;
    const output = execFileSync(process.execPath, ['-r', require.resolve('ts-node/register'), '-e', script], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.json') },
    });
    expect(createHash('sha256').update(output).digest('hex')).toBe(createHash('sha256').update(text).digest('hex'));
  });

  test('each call builds a new document', () => {
    const first = createOpenApiDocument();
    first.components.schemas.Challenge!.description = 'changed';
    expect(JSON.stringify(createOpenApiDocument())).toBe(text);
  });
});

test('the named components, in order', () => {
  expect(Object.keys(document.components.schemas)).toEqual([
    'ChallengeRequest',
    'Challenge',
    'SignInRequest',
    'SignedIn',
    'Me',
    'SessionList',
    'Revoked',
    'PublicConfig',
    'Health',
    'Readiness',
    'SignedInMessage',
    'SignedOutMessage',
    'OidcInteraction',
    'OidcInteractionResult',
    'ConsentRequest',
    'OidcGrantList',
  ]);
  for (const [, name] of text.matchAll(/"#\/components\/schemas\/(\w+)"/g)) expect(document.components.schemas).toHaveProperty(name!);
});

test('request bodies say additionalProperties: false; the 400 answer says unknown keys are refused', () => {
  expect(component('ChallengeRequest').additionalProperties).toBe(false);
  expect(component('SignInRequest').additionalProperties).toBe(false);
  expect(component('ConsentRequest').additionalProperties).toBe(false);
  for (const path of ['/api/auth/challenge', '/api/auth/login', '/api/auth/register']) {
    expect(document.paths[path]!.post!.responses['400']!.description).toMatch(/unknown keys are refused/);
  }
});

test('the schemas carry the limits and descriptions of the zod schemas', () => {
  expect(component('SignInRequest').properties.sid).toEqual({ type: 'string', maxLength: 256 });
  expect(component('SignInRequest').properties.signature).toEqual({
    type: 'string',
    maxLength: 2 + 2 * 16 * 1024,
    pattern: '^0x(?:[0-9a-fA-F]{2})+$',
    description: expect.stringMatching(/^A key pair's \(EOA\) 65 bytes: .* contract wallet's, up to 16 KiB, checked on the chain \(ERC-1271 .*ERC-6492/),
  });
  expect(component('Me').properties.method).toEqual({ type: 'string', enum: ['eoa', 'erc1271', 'erc6492'], description: expect.stringContaining('How the address proved itself') });
  expect(component('Me').required).toContain('method');
  expect(component('SignInRequest').required).toEqual(['sid', 'signature']);
  expect(component('Me').properties.createdAt).toEqual({ type: 'integer', minimum: 0, description: 'When the session was signed in.' });
  expect(component('PublicConfig')).not.toHaveProperty('additionalProperties');
  expect(document.paths['/api/ws']!.get!['x-websocket-messages']).toEqual({
    oneOf: [{ $ref: '#/components/schemas/SignedInMessage' }, { $ref: '#/components/schemas/SignedOutMessage' }],
  });
});

test('no JSON Schema dialect or id inside the document, and no safe-integer bounds', () => {
  expect(text).not.toMatch(/"\$schema"|"\$id"|"id":"inline|9007199254740991/);
});

test('each error answer lists the codes of its status only, as the table gives them', () => {
  for (const operation of apiOperations) {
    for (const [status, answer] of Object.entries(operation.responses)) {
      if (answer.codes === undefined) continue;
      const schema = document.paths[operation.path]![operation.method]!.responses[status]!.content!['application/json']!.schema as {
        properties: { error: { properties: { code: { enum: ApiErrorCode[] } } } };
      };
      expect(schema.properties.error.properties.code.enum).toEqual(answer.codes);
      for (const code of answer.codes) expect([code, API_ERROR_STATUS[code]]).toEqual([code, Number(status)]);
    }
  }
});

test('the document links the OpenID Connect discovery document and covers forward auth', () => {
  expect(document.externalDocs.url).toBe('/oidc/.well-known/openid-configuration');
  expect(document.paths['/api/auth/verify']?.get?.responses['204']?.headers).toHaveProperty('X-Wallet-Address');
});
