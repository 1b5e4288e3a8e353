/** One problem in a configuration: where it is (`tokens[2].channelIds`) and which rule it breaks. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** An invalid configuration. The message lists every problem, so one fix-and-retry cycle is enough. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(
    readonly issues: ConfigIssue[],
    source = 'configuration',
  ) {
    super(`Invalid ${source}:\n${issues.map((i) => `  - ${i.path ? `${i.path}: ` : ''}${i.message}`).join('\n')}`);
  }
}

export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)),
    '',
  );
}
