import { readFileSync } from 'node:fs';
import { ConfigError } from '../functions/config/errors';
import { loadConfigFile } from '../functions/config/load';
import type { RotatorKind } from '../functions/config/types';
import type { RunReport } from '../functions/rotation/run';
import { isProtocolEvent } from '../functions/rotator/protocol-event';
import { localLambdaContext } from '../sandbox/lambda-context';
import { ROTATOR_FUNCTIONS, bundleHandler } from './bundle-handler';

const USAGE = `Usage: npm run invoke -- <function> --config <file> [--event <file> | --json '<event>']

Runs a rotator function's handler in-process, as Lambda would, with the current environment
(BIGCOMMERCE_*_URL and AWS_ENDPOINT_URL apply), prints its JSON response, and exits 1 when any
target failed or a Secrets Manager rotation step failed (2 for a usage, configuration or event error).
  <function>      ${Object.keys(ROTATOR_FUNCTIONS).join(', ')}
  --config FILE   the configuration file the function runs with
  --event FILE    the invocation event, as a JSON file
  --json EVENT    the invocation event, inline (default: {} = rotate everything due); a rotation
                  run ({"targets","force","dryRun"}) or one of Secrets Manager's rotation steps
                  ({"Step":"createSecret","SecretId":"<secret name>","ClientRequestToken":"<new version id>"}).
                  A token paused in the configuration is skipped (reason "paused"), forced or not, and
                  its rotation steps are refused`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { fn: string; kind: RotatorKind; config: string; event: unknown } {
  const [fn, ...rest] = argv;
  if (!fn || fn.startsWith('-')) throw new UsageError('name the function to invoke');
  const kind = Object.hasOwn(ROTATOR_FUNCTIONS, fn) ? ROTATOR_FUNCTIONS[fn] : undefined;
  if (!kind) throw new UsageError(`unknown function "${fn}"`);
  let config: string | undefined;
  let event: unknown = {};
  let eventGiven = false;
  for (let i = 0; i < rest.length; i += 1) {
    const flag = rest[i];
    const value = rest[i + 1];
    if (value === undefined) throw new UsageError(`${flag} needs a value`);
    i += 1;
    if (flag === '--config') config = value;
    else if (flag === '--event' || flag === '--json') {
      if (eventGiven) throw new UsageError('give the event once, with --event or --json');
      eventGiven = true;
      const text = flag === '--event' ? readFileSync(value, 'utf8') : value;
      try {
        event = JSON.parse(text);
      } catch (error) {
        throw new UsageError(`the event is not valid JSON: ${(error as Error).message}`);
      }
    } else throw new UsageError(`unknown option ${flag}`);
  }
  if (!config) throw new UsageError('--config is required');
  return { fn, kind, config, event };
}

async function main(): Promise<number> {
  let args: ReturnType<typeof parseArgs>;
  try {
    args = parseArgs(process.argv.slice(2));
    loadConfigFile(args.config);
  } catch (error) {
    if (error instanceof UsageError) console.error(`invoke: ${error.message}\n\n${USAGE}`);
    else if (error instanceof ConfigError) console.error(error.message);
    else throw error;
    return 2;
  }
  process.env.ROTATOR_CONFIG_FILE = args.config;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { module } = await bundleHandler(args.kind);
  // The function's log lines go to stderr, so stdout carries only the response (pipe it to jq).
  const stdout = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  let response: unknown;
  try {
    response = await module.handler(args.event, localLambdaContext(args.fn));
  } catch (error) {
    const { name, message } = error as Error;
    console.error(`${name}: ${message}`);
    // A rotation step that could not be done failed like a target does; Secrets Manager would retry it.
    return name === 'ProtocolStepError' ? 1 : 2;
  } finally {
    process.stdout.write = stdout;
  }
  console.log(JSON.stringify(response, null, 2));
  // A step answers with what it did (its failures are thrown); a run, with every target's outcome.
  if (isProtocolEvent(args.event)) return 0;
  return (response as RunReport).summary.failed > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 2;
  },
);
