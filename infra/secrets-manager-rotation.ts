import { Stack } from 'aws-cdk-lib';
import { secretArn } from './secret-arn';
import { managedNamePatterns } from './secret-policies';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/**
 * Makes `fn` the Secrets Manager rotation function of its secrets, so the console's "Rotate secret immediately"
 * and `aws secretsmanager rotate-secret` rotate a token end to end through the four protocol steps.
 *
 * Secrets Manager's own schedule runs at most every four hours and knows nothing of a token's expiry, so the
 * EventBridge Scheduler sweep stays the expiry-driven path and Secrets Manager's schedule is a monthly
 * backstop: when it fires, createSecret mints only a token that is due (it tells its schedule from a request
 * by the secret's next rotation date having come). A RotateSecret someone asks for (the console, the CLI)
 * mints a new token like a forced run. Deploying does not rotate (`rotateImmediatelyOnUpdate: false`).
 */
export const BACKSTOP_ROTATION_DAYS = 30;

/**
 * The rotation schedule of one secret, next to it (in its nested stack). It depends on the function and
 * everything under it, its invoke permissions included: Secrets Manager refuses a rotation function it may
 * not invoke. Across stacks CDK makes that the nested stack's dependency.
 */
export function rotateWith(fn: lambda.IFunction, secret: secretsmanager.ISecret): void {
  new secretsmanager.CfnRotationSchedule(Stack.of(secret), `${secret.node.id}Rotation`, {
    secretId: secret.secretArn,
    rotationLambdaArn: fn.functionArn,
    rotationRules: { automaticallyAfterDays: BACKSTOP_ROTATION_DAYS },
    rotateImmediatelyOnUpdate: false,
  }).node.addDependency(fn);
}

/**
 * Lets Secrets Manager invoke `fn` only for this account's secrets under the managed names' first path segment
 * (`bigcommerce/*` by default): one permission per segment, not one per secret, keeps the function's resource
 * policy within its size limit however many tokens there are.
 */
export function allowRotationOf(fn: lambda.IFunction, secretNames: readonly string[]): void {
  const stack = Stack.of(fn);
  managedNamePatterns(secretNames).forEach((pattern, i) => {
    fn.addPermission(`SecretsManagerRotation${i}`, {
      principal: new iam.ServicePrincipal('secretsmanager.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
      sourceArn: secretArn(stack, pattern),
    });
  });
}
