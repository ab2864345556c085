// Checks a value against a schema of the API description, for the tests that hold the running
// API to its description. It covers the JSON Schema subset document.ts uses (type, const, enum,
// pattern, minimum, properties, required, additionalProperties: false, items, oneOf, $ref to
// components) and fails loudly on any other keyword, so the description cannot drift beyond it.

type Schema = Record<string, unknown>;

const KNOWN = new Set(['type', 'const', 'enum', 'pattern', 'minimum', 'properties', 'required', 'additionalProperties', 'items', 'oneOf', '$ref', 'description']);

/** Every way `value` breaks `schema`, as `path: problem` lines; empty when it conforms. */
export function schemaErrors(schema: Schema, value: unknown, document: { components: { schemas: Record<string, unknown> } }, path = '$'): string[] {
  const unknown = Object.keys(schema).filter((key) => !KNOWN.has(key));
  if (unknown.length > 0) return [`${path}: schema keywords outside the checked subset: ${unknown.join(', ')}`];

  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    const target = document.components.schemas[name];
    if (target === undefined) return [`${path}: unresolved $ref ${schema.$ref}`];
    return schemaErrors(target as Schema, value, document, path);
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = schema.oneOf.filter((option) => schemaErrors(option as Schema, value, document, path).length === 0);
    return matching.length === 1 ? [] : [`${path}: matches ${matching.length} of the oneOf schemas, not exactly one`];
  }

  const errors: string[] = [];
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((type) => hasType(value, type))) return [`${path}: ${JSON.stringify(value)} is not of type ${types.join(' or ')}`];
  }
  if ('const' in schema && value !== schema.const) errors.push(`${path}: ${JSON.stringify(value)} is not ${JSON.stringify(schema.const)}`);
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) errors.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    errors.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  }
  if (typeof schema.minimum === 'number' && typeof value === 'number' && value < schema.minimum) errors.push(`${path}: ${value} < ${schema.minimum}`);

  if (isObject(value)) {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in value)) errors.push(`${path}: ${name} is missing`);
    for (const [name, item] of Object.entries(value)) {
      const property = properties[name];
      if (property !== undefined) errors.push(...schemaErrors(property, item, document, `${path}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${path}: ${name} is not in the schema`);
    }
  }
  if (Array.isArray(value) && isObject(schema.items)) {
    value.forEach((item, index) => errors.push(...schemaErrors(schema.items as Schema, item, document, `${path}[${index}]`)));
  }
  return errors;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasType(value: unknown, type: string): boolean {
  switch (type) {
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'null':
      return value === null;
    default:
      return typeof value === type;
  }
}
