import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from './errors';
import { parseConfig } from './schema';
import { PRODUCT_NAME, type RotatorConfig } from './types';

export interface LoadedConfig {
  config: RotatorConfig;
}

/** Reads and validates a configuration file (JSON). */
export function loadConfigFile(path: string): LoadedConfig {
  return { config: parseConfig(parseJson(readText(path), path), path) };
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError([{ path: '', message: `cannot read ${path}: ${reason}` }], path);
  }
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

/**
 * The file that holds a deployed function's configuration, in the function's asset beside its code: the
 * configuration the CDK app validated and normalised at synth (`deployedConfigText`). It is part of the asset,
 * so a configuration change changes the asset's hash and redeploys the function, and it never passes through
 * the bundler: its size does not matter to bundling, nor to Lambda's 4 KB of environment.
 */
export const DEPLOYED_CONFIG_FILE = 'validated-config.json';

/**
 * Defined, in the bundles the stack deploys only, as DEPLOYED_CONFIG_FILE's name (esbuild `define`, a constant of
 * a few bytes whatever the configuration): such a bundle reads its configuration from the file beside it.
 */
export const DEPLOYED_CONFIG_DEFINE = 'process.env.ROTATOR_DEPLOYED_CONFIG_FILE';

/** Marks a file as the synth's output, so that no other JSON file (a configuration as written) is taken for it. */
const DEPLOYED_CONFIG_FORMAT = `${PRODUCT_NAME} validated configuration 1`;

/** The contents of DEPLOYED_CONFIG_FILE for a configuration that parseConfig returned. */
export function deployedConfigText(config: RotatorConfig): string {
  return JSON.stringify({ format: DEPLOYED_CONFIG_FORMAT, config });
}

/**
 * Reads DEPLOYED_CONFIG_FILE. Its configuration was validated by parseConfig when the app synthesized, by the
 * same code as this bundle's (both are built into one asset by one synth), so it is read with JSON.parse alone:
 * validating it again would make a first invocation at 5,000 tokens about 1.8 times as long (`npm run bench`,
 * p4: validated_first_invocation_ms) and could find nothing the synth did not.
 */
export function readDeployedConfig(file: string): RotatorConfig {
  const deployed = parseJson(readText(file), file) as { format?: unknown; config?: RotatorConfig } | null;
  if (deployed?.format !== DEPLOYED_CONFIG_FORMAT || typeof deployed.config !== 'object' || deployed.config === null) {
    throw new ConfigError(
      [{ path: 'format', message: `not a configuration validated at synth ("${DEPLOYED_CONFIG_FORMAT}")` }],
      file,
    );
  }
  return deployed.config;
}

/**
 * The configuration a function runs with. Deployed, it is the file beside the bundle (DEPLOYED_CONFIG_FILE),
 * read once per container. Run from source or from a bundle built for local use (tests, `npm start`,
 * `npm run invoke`, `npm run bench`), it comes from `ROTATOR_CONFIG` (JSON text) or `ROTATOR_CONFIG_FILE` (a
 * path) and is validated here.
 */
export function loadRuntimeConfig(env: NodeJS.ProcessEnv = process.env): RotatorConfig {
  const deployed = process.env.ROTATOR_DEPLOYED_CONFIG_FILE;
  if (deployed) return readDeployedConfig(join(__dirname, deployed));
  if (env.ROTATOR_CONFIG) return parseConfigText(env.ROTATOR_CONFIG, 'ROTATOR_CONFIG');
  if (env.ROTATOR_CONFIG_FILE) return loadConfigFile(env.ROTATOR_CONFIG_FILE).config;
  throw new ConfigError(
    [{ path: '', message: 'no configuration: set ROTATOR_CONFIG (JSON) or ROTATOR_CONFIG_FILE (a path)' }],
    'environment',
  );
}
