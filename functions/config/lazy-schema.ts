/**
 * A schema built the first time it is used instead of when its module loads. A cold start evaluates every
 * module of the bundle before the first invocation, and building zod schemas is not free (the first schema of
 * each kind also sets up that kind's methods): built at load, the functions' schemas were about a fifth of a
 * bundle's load time. Built on use, a schema costs nothing until something is parsed with it, and the schema
 * of a response an invocation never receives costs nothing at all.
 */
export function lazySchema<T>(build: () => T): () => T {
  let schema: T | undefined;
  return () => {
    schema ??= build();
    return schema;
  };
}
