import { ConfigError } from '../../functions/config/errors';
import { buildApp } from '../app';

// `npx cdk deploy -c config=path/to/file.json`, or ROTATOR_CONFIG_FILE, or ./rotator.config.json.
// `-c environmentAgnostic=true` synthesizes one template for any account and Region (see buildApp).
const context = JSON.parse(process.env.CDK_CONTEXT_JSON ?? '{}') as {
  config?: string;
  environmentAgnostic?: string | boolean;
};
const configPath = context.config ?? process.env.ROTATOR_CONFIG_FILE ?? 'rotator.config.json';
const agnostic = context.environmentAgnostic === true || context.environmentAgnostic === 'true';
try {
  const { app } = buildApp({
    configPath,
    stackName: process.env.ROTATOR_STACK_NAME,
    environment: agnostic ? 'agnostic' : undefined,
  });
  app.synth();
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}
