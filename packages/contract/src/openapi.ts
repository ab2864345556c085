// The OpenAPI 3.1 document of the API, generated: operations.ts says what each route takes and
// answers, and zod's z.toJSONSchema (JSON Schema 2020-12, the dialect of OpenAPI 3.1 §4.8.24)
// writes every schema in it. Schemas with a `.meta({ id })` become named components; the others
// are written where they are used. The same input gives the same bytes: nothing here depends on
// the clock, randomness or the environment.

import { z } from 'zod';
import { apiOperations, type ApiHeader, type ApiOperation, type ApiResponse } from './operations';
import {
  challengeRequest,
  challengeResponse,
  consentRequest,
  healthResponse,
  meResponse,
  oidcGrantList,
  oidcInteraction,
  oidcInteractionResult,
  publicConfig,
  readinessResponse,
  revokedResponse,
  sessionListResponse,
  signedInMessage,
  signedInResponse,
  signedOutMessage,
  signInRequest,
} from './schemas';

export type JsonSchema = z.core.JSONSchema.BaseSchema;

export interface OpenApiResponseObject {
  description: string;
  headers?: Record<string, { description?: string; schema: JsonSchema }>;
  content?: Record<string, { schema: JsonSchema }>;
}

export interface OpenApiOperationObject {
  tags: string[];
  operationId: string;
  summary: string;
  description?: string;
  parameters?: Array<{ name: string; in: string; required: boolean; description?: string; schema: JsonSchema }>;
  requestBody?: { required: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, OpenApiResponseObject>;
  /** What a WebSocket route's server sends (OpenAPI has no WebSocket messages of its own). */
  'x-websocket-messages'?: JsonSchema;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; summary: string; description: string; license: { name: string; identifier: string } };
  servers: Array<{ url: string }>;
  externalDocs: { description: string; url: string };
  tags: Array<{ name: string; description: string }>;
  paths: Record<string, Record<string, OpenApiOperationObject>>;
  components: { schemas: Record<string, JsonSchema> };
}

/** The named components, in the document's order. */
const COMPONENTS: readonly z.ZodType[] = [
  challengeRequest,
  challengeResponse,
  signInRequest,
  signedInResponse,
  meResponse,
  sessionListResponse,
  revokedResponse,
  publicConfig,
  healthResponse,
  readinessResponse,
  signedInMessage,
  signedOutMessage,
  oidcInteraction,
  oidcInteractionResult,
  consentRequest,
  oidcGrantList,
];

const COMPONENT_PREFIX = '#/components/schemas/';

/** The document for /api/openapi.json; a new object on every call. */
export function createOpenApiDocument(): OpenApiDocument {
  const { schemaOf, componentSchema } = generateSchemas(apiOperations);
  const json = (schema: z.ZodType) => ({ 'application/json': { schema: schemaOf(schema) } });
  const headers = (given: Readonly<Record<string, ApiHeader>>) =>
    Object.fromEntries(Object.entries(given).map(([name, { description, schema }]) => [name, { ...(description !== undefined ? { description } : {}), schema: schemaOf(schema) }]));
  const response = ({ description, schema, contentType = 'application/json', headers: given }: ApiResponse): OpenApiResponseObject => ({
    description,
    ...(given ? { headers: headers(given) } : {}),
    ...(schema ? { content: { [contentType]: { schema: schemaOf(schema) } } } : {}),
  });
  const operation = (op: ApiOperation): OpenApiOperationObject => ({
    tags: [...op.tags],
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description !== undefined ? { description: op.description } : {}),
    ...(op.parameters
      ? { parameters: op.parameters.map(({ schema, description, ...parameter }) => ({ ...parameter, ...(description !== undefined ? { description } : {}), schema: schemaOf(schema) })) }
      : {}),
    ...(op.requestBody ? { requestBody: { required: op.requestBody.required, content: json(op.requestBody.schema) } } : {}),
    responses: Object.fromEntries(Object.entries(op.responses).map(([status, answer]) => [status, response(answer)])),
    ...(op.messages ? { 'x-websocket-messages': schemaOf(op.messages) } : {}),
  });

  const paths: OpenApiDocument['paths'] = {};
  for (const op of apiOperations) (paths[op.path] ??= {})[op.method] = operation(op);

  return {
    openapi: '3.1.0',
    info: {
      title: 'wallet-login',
      version: '0.1.0',
      summary: 'Passwordless sign-in with an Ethereum wallet signature (EIP-191 over an EIP-4361 message).',
      description:
        'JSON in, JSON out. Request bodies must be application/json (UTF-8, at most 32 KiB). Every error is ' +
        '`{ "error": { "code", "message" } }` with a stable code. Times are milliseconds since the epoch. Answers under ' +
        '/api/ carry `Cache-Control: no-store`. Sessions ride on an HttpOnly, SameSite=Lax, signed cookie holding a ' +
        'random id; state-changing requests from browser pages on sites not allowed are refused. Other apps sign in ' +
        'through the OpenID Connect provider under /oidc (discovery: /oidc/.well-known/openid-configuration; its ' +
        'endpoints speak OAuth, not this JSON), or protect themselves behind a reverse proxy with GET /api/auth/verify.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    externalDocs: { description: 'OpenID Connect discovery document of the provider', url: '/oidc/.well-known/openid-configuration' },
    tags: [
      { name: 'auth', description: 'Challenges, sign-in and the session.' },
      { name: 'sessions', description: "The signed-in address's sessions." },
      { name: 'oidc', description: 'The sign-in page\'s side of an OpenID Connect authorization request, and the applications allowed.' },
      { name: 'operations', description: 'Health, readiness, metrics and this description.' },
    ],
    paths,
    components: { schemas: Object.fromEntries(COMPONENTS.map((schema) => [componentId(schema), componentSchema(schema)])) },
  };
}

function componentId(schema: z.ZodType): string {
  const id = z.globalRegistry.get(schema)?.id;
  if (typeof id !== 'string') throw new Error('a component schema has no .meta({ id })');
  return id;
}

/**
 * Converts every schema the operations use in one z.toJSONSchema run, so a component used inside
 * another schema becomes a $ref to it.
 */
function generateSchemas(operations: readonly ApiOperation[]): {
  /** What to write where `schema` is used: a $ref for a component, else the schema itself. */
  schemaOf(schema: z.ZodType): JsonSchema;
  /** A component's own JSON Schema, for components.schemas. */
  componentSchema(schema: z.ZodType): JsonSchema;
} {
  const registry = z.registry<{ id: string }>();
  const components = new Set(COMPONENTS);
  for (const schema of COMPONENTS) registry.add(schema, { id: componentId(schema) });
  // The schemas written inline get registry ids of their own; nothing refers to them by it.
  let inline = 0;
  const add = (schema: z.ZodType | undefined): void => {
    if (schema === undefined || registry.has(schema)) return;
    if (z.globalRegistry.get(schema)?.id !== undefined) throw new Error(`schema ${componentId(schema)} has an id but is not in COMPONENTS`);
    registry.add(schema, { id: `inline${(inline += 1)}` });
  };
  for (const op of operations) {
    add(op.requestBody?.schema);
    add(op.messages);
    for (const parameter of op.parameters ?? []) add(parameter.schema);
    for (const answer of Object.values(op.responses)) {
      add(answer.schema);
      for (const header of Object.values(answer.headers ?? {})) add(header.schema);
    }
  }

  const generated = z.toJSONSchema(registry, {
    target: 'draft-2020-12',
    // What a body may be as sent: z.object (PublicConfig) then allows keys it does not list, as
    // its parse does, and strict objects say `additionalProperties: false`.
    io: 'input',
    uri: (id) => `${COMPONENT_PREFIX}${id}`,
    override: ({ jsonSchema }) => {
      // z.int() carries JavaScript's safe-integer range; it is no limit of this API's own.
      if (jsonSchema.type === 'integer') {
        if (jsonSchema.minimum === Number.MIN_SAFE_INTEGER) delete jsonSchema.minimum;
        if (jsonSchema.maximum === Number.MAX_SAFE_INTEGER) delete jsonSchema.maximum;
      }
    },
  });
  if ('__shared' in generated.schemas) throw new Error('a schema refers to one that is neither a component nor inline');
  // Each schema comes with a $schema (the document's own dialect already) and a $id made of its
  // registry id: neither belongs in a component or an inline schema.
  const bodies = new Map<string, JsonSchema>();
  for (const [id, { $schema: _dialect, $id: _uri, ...body }] of Object.entries(generated.schemas)) bodies.set(id, body);

  const bodyOf = (schema: z.ZodType): JsonSchema => {
    const id = registry.get(schema)?.id;
    const body = id === undefined ? undefined : bodies.get(id);
    if (body === undefined) throw new Error('a schema the operations did not list');
    // A copy each time: no two places in a document share an object.
    return structuredClone(body);
  };
  return {
    schemaOf: (schema) => (components.has(schema) ? { $ref: `${COMPONENT_PREFIX}${componentId(schema)}` } : bodyOf(schema)),
    componentSchema: bodyOf,
  };
}
