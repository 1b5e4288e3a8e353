import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
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
 * stack, and runs cdk-nag on it: AWS Solutions, PCI DSS 3.2.1 (payments credentials pass through here)
 * and NIST 800-53 rev. 5. HIPAA's pack is not applied: no health data is involved.
 */
export function buildApp(options: AppOptions): { app: App; stack: TokenRotatorStack } {
  const { config, json } = loadConfigFile(options.configPath);
  const app = new App(options.app);
  const stack = new TokenRotatorStack(app, options.stackName ?? 'BigCommerceTokenRotator', {
    config,
    configJson: json,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app));
  return { app, stack };
}
