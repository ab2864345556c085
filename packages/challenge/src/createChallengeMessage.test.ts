import { createChallengeMessage, createSiweMessage, parseChallengeMessage, parseSiweMessage, ChallengeError, ZERO_ADDRESS, type SiweFields } from './index';

const challenge = { sid: 'Abc123Def456Ghi789Jkl012', timestamp: Date.UTC(2026, 10, 24, 12, 0, 0, 123) };
const address = '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23';

// The example message of EIP-4361 §Example message, verbatim.
const EIP_EXAMPLE = [
  'example.com wants you to sign in with your Ethereum account:',
  '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
  '',
  'I accept the ExampleOrg Terms of Service: https://example.com/tos',
  '',
  'URI: https://example.com/login',
  'Version: 1',
  'Chain ID: 1',
  'Nonce: 32891756',
  'Issued At: 2021-09-30T16:25:24Z',
  'Resources:',
  '- ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/',
  '- https://example.com/my-web2-claim.json',
].join('\n');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ChallengeError) return error.code;
    throw error;
  }
  return undefined;
}

describe('siwe format', () => {
  test('renders the EIP-4361 layout with Nonce = sid, Issued At = timestamp, Expiration Time = timestamp + TTL', () => {
    const message = createChallengeMessage({
      format: 'siwe', challenge, domain: 'app.example.com', uri: 'https://app.example.com', chainId: 1,
      statement: 'Sign in to app.example.com.', address, expiresAt: challenge.timestamp + 300_000,
    });
    expect(message).toBe([
      'app.example.com wants you to sign in with your Ethereum account:',
      address,
      '',
      'Sign in to app.example.com.',
      '',
      'URI: https://app.example.com',
      'Version: 1',
      'Chain ID: 1',
      'Nonce: Abc123Def456Ghi789Jkl012',
      'Issued At: 2026-11-24T12:00:00.123Z',
      'Expiration Time: 2026-11-24T12:05:00.123Z',
    ].join('\n'));
    const parsed = parseChallengeMessage(message);
    expect(parsed.format).toBe('siwe');
    expect(parsed.challenge).toEqual(challenge);
  });

  test('without a known address the zero address stands in; without a statement two blank lines stay', () => {
    const message = createChallengeMessage({ format: 'siwe', challenge, domain: 'localhost:8080', uri: 'http://localhost:8080', chainId: 5, expiresAt: challenge.timestamp + 1 });
    expect(message.split('\n').slice(1, 5)).toEqual([ZERO_ADDRESS, '', '', 'URI: http://localhost:8080']);
    expect(parseSiweMessage(message).statement).toBeUndefined();
  });

  test('lists resources under Resources, after the expiration time; an empty list renders none', () => {
    const parameters = {
      format: 'siwe', challenge, domain: 'login.example.com', uri: 'https://login.example.com', chainId: 1, address, expiresAt: challenge.timestamp + 300_000,
    } as const;
    const message = createChallengeMessage({ ...parameters, resources: ['https://app.example.com/callback', 'urn:x:y'] });
    expect(message.split('\n').slice(-4)).toEqual(['Expiration Time: 2026-11-24T12:05:00.123Z', 'Resources:', '- https://app.example.com/callback', '- urn:x:y']);
    expect(parseSiweMessage(message).resources).toEqual(['https://app.example.com/callback', 'urn:x:y']);
    expect(createChallengeMessage({ ...parameters, resources: [] })).toBe(createChallengeMessage(parameters));
    expect(createChallengeMessage(parameters)).not.toContain('Resources:');
  });

  test('refuses a resource that is not a URI', () => {
    expect(codeOf(() => createChallengeMessage({
      format: 'siwe', challenge, domain: 'login.example.com', uri: 'https://login.example.com', chainId: 1, expiresAt: challenge.timestamp + 1, resources: ['not a uri'],
    }))).toBe('invalid_parameter');
  });

  test('parses the EIP example and renders it back byte for byte', () => {
    const fields = parseSiweMessage(EIP_EXAMPLE);
    expect(fields).toEqual({
      domain: 'example.com', address: '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2',
      statement: 'I accept the ExampleOrg Terms of Service: https://example.com/tos', uri: 'https://example.com/login',
      version: '1', chainId: 1, nonce: '32891756', issuedAt: '2021-09-30T16:25:24Z',
      resources: ['ipfs://bafybeiemxf5abjwjbikoz4mc3a3dla6ual3jsgpdr4cjr3oz3evfyavhwq/', 'https://example.com/my-web2-claim.json'],
    });
    expect(createSiweMessage(fields)).toBe(EIP_EXAMPLE);
  });

  test('round-trips every optional field, and a scheme prefix', () => {
    const fields: SiweFields = {
      scheme: 'http', domain: '127.0.0.1:8080', address, statement: 'Hi.', uri: 'http://127.0.0.1:8080/', version: '1', chainId: 137,
      nonce: 'abcdefgh', issuedAt: '2026-01-01T00:00:00+01:00', expirationTime: '2026-01-01T00:05:00Z', notBefore: '2025-12-31T23:00:00.5Z',
      requestId: 'req-1:%41', resources: ['urn:x:y'],
    };
    expect(parseSiweMessage(createSiweMessage(fields))).toEqual(fields);
  });

  const edits: Array<[string, (m: string) => string]> = [
    ['CRLF line endings', (m) => m.replace(/\n/g, '\r\n')],
    ['a trailing newline', (m) => `${m}\n`],
    ['a leading space', (m) => ` ${m}`],
    ['a lower-case address (no checksum)', (m) => m.replace('0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', '0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2')],
    ['a bad EIP-55 checksum', (m) => m.replace('0xC02aaA39', '0xc02AaA39')],
    ['a short address', (m) => m.replace('0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2', '0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc')],
    ['a missing blank line', (m) => m.replace('\n\nI accept', '\nI accept')],
    ['a statement with a line break', (m) => m.replace('I accept the', 'I accept\nthe')],
    ['a statement with a non-ASCII character', (m) => m.replace('I accept', 'I accépt')],
    ['version 2', (m) => m.replace('Version: 1', 'Version: 2')],
    ['a chain id with a leading zero', (m) => m.replace('Chain ID: 1', 'Chain ID: 01')],
    ['a chain id that is not a number', (m) => m.replace('Chain ID: 1', 'Chain ID: one')],
    ['a 7-character nonce', (m) => m.replace('Nonce: 32891756', 'Nonce: 3289175')],
    ['a nonce with punctuation', (m) => m.replace('Nonce: 32891756', 'Nonce: 3289-1756')],
    ['an issued-at that is not RFC 3339', (m) => m.replace('2021-09-30T16:25:24Z', '2021-09-30 16:25:24')],
    ['an issued-at on February 30th', (m) => m.replace('2021-09-30T16:25:24Z', '2021-02-30T16:25:24Z')],
    ['fields out of order', (m) => m.replace('Version: 1\nChain ID: 1', 'Chain ID: 1\nVersion: 1')],
    ['an unknown field', (m) => m.replace('Resources:', 'Colour: blue\nResources:')],
    ['a resource without its dash', (m) => m.replace('- https://example.com/my', 'https://example.com/my')],
    ['a URI with a space', (m) => m.replace('URI: https://example.com/login', 'URI: https://example.com/log in')],
    ['a domain with a path', (m) => m.replace('example.com wants', 'example.com/x wants')],
    ['a domain with a port over 65535', (m) => m.replace('example.com wants', 'example.com:70000 wants')],
    ['a changed preamble', (m) => m.replace('wants you to sign in', 'wants you to log in')],
    ['an over-long statement', (m) => m.replace('I accept', 'a'.repeat(2000))],
  ];
  test.each(edits)('refuses %s', (_name, edit) => {
    expect(codeOf(() => parseSiweMessage(edit(EIP_EXAMPLE)))).toBe('message_malformed');
  });

  test('refuses to render fields outside the grammar', () => {
    const base = parseSiweMessage(EIP_EXAMPLE);
    expect(codeOf(() => createSiweMessage({ ...base, statement: 'two\nlines' }))).toBe('invalid_parameter');
    expect(codeOf(() => createSiweMessage({ ...base, domain: 'exa mple.com' }))).toBe('invalid_parameter');
    expect(codeOf(() => createSiweMessage({ ...base, address: address.toLowerCase() }))).toBe('invalid_parameter');
    expect(codeOf(() => createSiweMessage({ ...base, chainId: 0 }))).toBe('invalid_parameter');
    expect(codeOf(() => createSiweMessage({ ...base, nonce: 'short' }))).toBe('invalid_parameter');
  });

  test('refuses huge input before parsing it', () => {
    expect(codeOf(() => parseSiweMessage(`${EIP_EXAMPLE}\n- https://x/${'a'.repeat(20000)}`))).toBe('message_malformed');
  });
});

describe('json format', () => {
  test('is exactly JSON.stringify({ sid, timestamp }) with the timestamp as a decimal string', () => {
    const message = createChallengeMessage({ format: 'json', challenge });
    expect(message).toBe(`{"sid":"Abc123Def456Ghi789Jkl012","timestamp":"${challenge.timestamp}"}`);
    expect(parseChallengeMessage(message)).toEqual({ format: 'json', challenge });
  });

  test.each([
    ['spaces', `{"sid": "Abc123Def456Ghi789Jkl012", "timestamp": "1"}`],
    ['keys reversed', `{"timestamp":"1","sid":"Abc123Def456Ghi789Jkl012"}`],
    ['a numeric timestamp', `{"sid":"Abc123Def456Ghi789Jkl012","timestamp":1}`],
    ['an extra key', `{"sid":"Abc123Def456Ghi789Jkl012","timestamp":"1","x":1}`],
    ['a leading-zero timestamp', `{"sid":"Abc123Def456Ghi789Jkl012","timestamp":"01"}`],
    ['a bad sid', `{"sid":"a-b","timestamp":"1"}`],
    ['invalid JSON', `{"sid":`],
    ['null', 'null'],
  ])('refuses %s', (_name, text) => {
    expect(codeOf(() => parseChallengeMessage(text))).toBe('message_malformed');
  });
});
