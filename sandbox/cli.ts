import { writeFileSync } from 'node:fs';
import { loadConfigFile } from '../functions/config/load';
import { startSandbox } from './index';
import { provisionSandbox } from './provision';

const USAGE = `Usage: npm run sandbox -- [--port N] [--aws-port N] [--config FILE] [--write-env FILE]

Starts the BigCommerce simulator and the local AWS endpoints on 127.0.0.1 and prints one line of JSON:
base URLs, seeded credentials and the environment that points this product at them. Ctrl-C stops it.
  --port N       BigCommerce port (default 4580; 0 picks a free port)
  --aws-port N   AWS endpoint port (default: the BigCommerce port + 1, or a free port with --port 0)
  --config FILE  provision for this configuration as a deploy would: its stores, their root-credential
                 secrets, an empty secret per managed token, and the event bus
  --write-env F  also write the environment as shell exports to F (then: source F)`;

function parsePort(flag: string, raw: string | undefined): number {
  const port = Number(raw);
  if (raw === undefined || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${flag} needs a port number from 0 to 65535, got ${raw ?? 'nothing'}`);
  return port;
}

interface CliArgs {
  port: number;
  awsPort: number;
  config?: string;
  envFile?: string;
}

function parseArgs(argv: string[]): CliArgs | 'help' {
  let port = 4580;
  let awsPort: number | undefined;
  let config: string | undefined;
  let envFile: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (arg === '--port') port = parsePort(arg, argv[++i]);
    else if (arg === '--aws-port') awsPort = parsePort(arg, argv[++i]);
    else if (arg === '--config' || arg === '--write-env') {
      const value = argv[++i];
      if (!value) throw new Error(`${arg} needs a file name`);
      if (arg === '--config') config = value;
      else envFile = value;
    } else throw new Error(`unknown argument ${arg}`);
  }
  return { port, awsPort: awsPort ?? (port === 0 ? 0 : port + 1), config, envFile };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    console.log(USAGE);
    return;
  }
  const config = args.config ? loadConfigFile(args.config).config : undefined;
  const sandbox = await startSandbox({ port: args.port, awsPort: args.awsPort });
  if (config) provisionSandbox(sandbox, config);
  const info = sandbox.info();
  if (args.envFile)
    writeFileSync(
      args.envFile,
      `${Object.entries(info.env)
        .map(([k, v]) => `export ${k}=${v}`)
        .join('\n')}\n`,
    );
  process.stdout.write(`${JSON.stringify(info)}\n`);
  const stop = (): void => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  const message = error instanceof Error ? error.message : String(error);
  const hint = /EADDRINUSE/.test(message) ? ' (pick another with --port, or --port 0 for a free one)' : '';
  console.error(`sandbox: ${message}${hint}\n\n${USAGE}`);
  process.exit(2);
});
