// A JSON object whose fields vary by kind (a job's summary, an event's payload, a subject's detail).
// zod's unknown() values come out of the OpenAPI generator as a bare `nullable: true`, which
// OpenAPI 3.0.3 gives no meaning without a `type` beside it (Schema Object, `nullable`), and linters
// refuse; these say "an object, any properties".
import { z } from '@hono/zod-openapi';

const anyObject = { type: 'object', additionalProperties: true } as const;

export const jsonObject = z.record(z.string(), z.unknown()).openapi(anyObject);

// The generator takes `nullable` from .nullable(), which a schema given whole replaces, so it is
// written here; its metadata type leaves `nullable` out for that reason.
const nullable = z.record(z.string(), z.unknown()).nullable();
type Metadata = Exclude<Parameters<typeof nullable.openapi>[0], string>;
export const nullableJsonObject = nullable.openapi({ ...anyObject, nullable: true } as Metadata);

/** An OpenAPI response whose body is one JSON schema. */
export const jsonResponse = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
