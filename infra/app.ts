import { App, type AppProps, type Environment, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { loadConfigFile } from '../functions/config/load';
import { TokenRotatorStack } from './stack';

export interface AppOptions {
  configPath: string;
  stackName?: string;
  /**
   * The account and Region the stack is for. By default those the CDK CLI resolved and passes to the app
   * (CDK_DEFAULT_ACCOUNT, and CDK_DEFAULT_REGION, which the CLI always sets: us-east-1 when nothing is
   * configured). `'agnostic'` leaves both to CloudFormation's pseudo parameters: one template for any account
   * and Region.
   */
  environment?: Environment | 'agnostic';
  /** Extra App options (tests pass an outdir, and skip bundling where they only inspect a template). */
  app?: AppProps;
}

/**
 * The CDK app: loads and validates the configuration (an invalid one never synthesizes), builds the
 * stack, and runs cdk-nag on it: AWS Solutions, PCI DSS 3.2.1 (payments credentials pass through here)
 * and NIST 800-53 rev. 5. HIPAA's pack is not applied: no health data is involved.
 */
export function buildApp(options: AppOptions): { app: App; stack: TokenRotatorStack } {
  const { config } = loadConfigFile(options.configPath);
  const app = new App(options.app);
  const environment = options.environment ?? {
    account: process.env.CDK_DEFAULT_ACCOUNT,
    region: process.env.CDK_DEFAULT_REGION,
  };
  const stack = new TokenRotatorStack(app, options.stackName ?? 'BigCommerceTokenRotator', {
    config,
    env: environment === 'agnostic' ? undefined : environment,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new PCIDSS321Checks(app), new NIST80053R5Checks(app));
  return { app, stack };
}
