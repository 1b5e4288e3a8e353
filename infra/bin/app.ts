import { ConfigError } from '../../functions/config/errors';
import { buildApp } from '../app';

// `npx cdk deploy -c config=path/to/file.json`, or ROTATOR_CONFIG_FILE, or ./rotator.config.json.
const context = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as { config?: string };
const configPath = context.config ?? process.env.ROTATOR_CONFIG_FILE ?? 'rotator.config.json';
try {
  const { app } = buildApp({ configPath, stackName: process.env.ROTATOR_STACK_NAME });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
