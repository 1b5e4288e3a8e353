import { readFileSync } from 'node:fs';
import { ConfigError } from './errors';
import { parseConfig } from './schema';
import type { RotatorConfig } from './types';

export interface LoadedConfig {
  config: RotatorConfig;
  /** The validated file, as compact JSON: what the CDK stack embeds in each function bundle. */
  json: string;
}

/** Reads and validates a configuration file (JSON). */
export function loadConfigFile(path: string): LoadedConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      [
        {
          path: '',
          message: `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        },
      ],
      path,
    );
  }
  const json = parseJson(text, path);
  return { config: parseConfig(json, path), json: JSON.stringify(json) };
}

export function parseConfigText(text: string, source: string): RotatorConfig {
  return parseConfig(parseJson(text, source), source);
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ path: '', message: `not valid JSON: ${(error as Error).message}` }], source);
  }
}

/** Replaced with the validated configuration JSON when the CDK stack bundles a function; see below. */
export const EMBEDDED_CONFIG_DEFINE = 'process.env.ROTATOR_EMBEDDED_CONFIG';

/**
 * The configuration a function runs with. In Lambda the CDK stack embeds it in the bundle at build time
 * (esbuild replaces `process.env.ROTATOR_EMBEDDED_CONFIG` with the validated JSON), so it is not limited by
 * the 4 KB environment size and cannot drift from the deployed code. Run from source (tests, `npm start`,
 * `npm run invoke`) it comes from `ROTATOR_CONFIG` (JSON text) or `ROTATOR_CONFIG_FILE` (a path).
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RotatorConfig {
  const embedded = process.env.ROTATOR_EMBEDDED_CONFIG;
  if (embedded) return parseConfigText(embedded, 'the embedded configuration');
  if (env.ROTATOR_CONFIG) return parseConfigText(env.ROTATOR_CONFIG, 'ROTATOR_CONFIG');
  if (env.ROTATOR_CONFIG_FILE) return loadConfigFile(env.ROTATOR_CONFIG_FILE).config;
  throw new ConfigError(
    [{ path: '', message: 'no configuration: set ROTATOR_CONFIG (JSON) or ROTATOR_CONFIG_FILE (a path)' }],
    'environment',
  );
}
