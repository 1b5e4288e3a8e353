import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadConfigFile } from '../functions/config/load';
import { TokenRotatorStack } from './stack';

export interface AppOptions {
  configPath: string;
  stackName?: string;
  /** Extra App options (tests pass an outdir and skip bundling). */
  app?: ConstructorParameters<typeof App>[0];
}

/**
 * The CDK app: loads and validates the configuration (an invalid one never synthesizes), builds the
 * stack, and runs cdk-nag's AWS Solutions checks on it.
 */
export function buildApp(options: AppOptions): { app: App; stack: TokenRotatorStack } {
  const { config, json } = loadConfigFile(options.configPath);
  const app = new App(options.app);
  const stack = new TokenRotatorStack(app, options.stackName ?? 'BigCommerceTokenRotator', {
    config,
    configJson: json,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
