/**
 * A schema built the first time it is used instead of when its module loads. Building a zod schema is
 * costly (each one gets its whole method set attached), and a cold start evaluates every module of the
 * bundle before the first invocation: built at load, the functions' schemas took about a fifth of a bundle's
 * load time. Built on use, a schema costs nothing until something is parsed with it, and the schema of a
 * response an invocation never receives costs nothing at all.
 */
export function lazySchema<T>(build: () => T): () => T {
  let schema: T | undefined;
  return () => {
    schema ??= build();
    return schema;
  };
}
