import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The ARN of the secrets named `name` in `scope`'s account and Region; `name` may be a pattern (`*`, and
 * `??????` for the six characters Secrets Manager appends to every secret's name in its ARN).
 */
export function secretArn(scope: IConstruct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: name,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
}
