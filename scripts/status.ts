import { createAwsClients } from '../functions/aws/clients';
import { ConfigError } from '../functions/config/errors';
import { loadConfigFile } from '../functions/config/load';
import { redactor } from '../functions/observability/redaction';
import { SecretsManagerReader, readStatus, statusTable } from './token-status';

const USAGE = `Usage: npm run status -- --config <file> [--json]

Prints every managed token's state from Secrets Manager alone: current version, when it was minted and
expires, when it is next due, an unfinished rotation (AWSPENDING), the rotation claim, and the last outcome
as far as the secret shows it. Read-only (ListSecrets, DescribeSecret, GetSecretValue); never prints a token.
The current environment applies (AWS credentials, AWS_REGION, AWS_ENDPOINT_URL). Exits 1 when a secret
could not be read, 2 for a usage or configuration error.
  --config FILE   the configuration the stack was deployed with
  --json          the full report as JSON (absolute times) instead of the table`;

class UsageError extends Error {}

function parseArgs(argv: string[]): { config: string; json: boolean } | 'help' {
  let config: string | undefined;
  let json = false;
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i];
    if (flag === '--help' || flag === '-h') return 'help';
    if (flag === '--json') json = true;
    else if (flag === '--config') {
      config = argv[i + 1];
      if (config === undefined) throw new UsageError('--config needs a value');
      i += 1;
    } else throw new UsageError(`unknown option ${flag}`);
  }
  if (!config) throw new UsageError('--config is required');
  return { config, json };
}

/** The command: prints through `out` (the report) and `err` (problems); resolves to the exit code. */
export async function runStatus(
  argv: string[],
  out: (text: string) => void = console.log,
  err: (text: string) => void = console.error,
): Promise<number> {
  let args: Exclude<ReturnType<typeof parseArgs>, 'help'>;
  let config: ReturnType<typeof loadConfigFile>['config'];
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      out(USAGE);
      return 0;
    }
    args = parsed;
    config = loadConfigFile(args.config).config;
  } catch (error) {
    if (error instanceof UsageError) err(`status: ${error.message}\n\n${USAGE}`);
    else if (error instanceof ConfigError) err(error.message);
    else throw error;
    return 2;
  }
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const { secretsManager } = createAwsClients();
  let report: Awaited<ReturnType<typeof readStatus>>;
  try {
    report = await readStatus(
      new SecretsManagerReader(secretsManager),
      config.tokens,
      config.secretNamePrefix,
      new Date(),
    );
  } finally {
    secretsManager.destroy();
  }
  // The report holds no token by construction; the redactor, which saw every token read, makes sure.
  const text = args.json ? JSON.stringify(report, null, 2) : statusTable(report);
  out(redactor.redact(text));
  return report.tokens.some((t) => t.unreadable) ? 1 : 0;
}

if (require.main === module) {
  runStatus(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error instanceof Error ? `${error.name}: ${error.message}` : error);
      process.exitCode = 2;
    },
  );
}
