import { createHash } from 'node:crypto';
import { NestedStack, RemovalPolicy, SecretValue, Tags } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { FAMILY_ROTATOR, type ManagedToken, PRODUCT_NAME, type RotatorKind } from '../functions/config/types';
import { placeholderValue } from '../functions/rotation/stored-token';
import { guardManagedSecret } from './secret-policies';
import { rotateWith } from './secrets-manager-rotation';

/**
 * How many nested stacks the token secrets are spread over. Neither this number nor `tokenShard`'s hash may
 * ever change: a token whose shard changed would be a new resource of another nested stack, created there while
 * its secret still exists (the old nested stack retains it, or has not yet removed it), so the deploy fails
 * with "already exists". 128 keeps the fullest shard near half of CloudFormation's 500 resources at 10,000 tokens
 * (2,500 stores of four: at most 33 stores, 396 resources, three a token, in any shard), and costs nothing below that:
 * only shards with tokens exist.
 */
export const TOKEN_SHARDS = 128;

/** The shard of a store's tokens: all tokens of one store share a nested stack. */
export function tokenShard(storeHash: string): number {
  return createHash('sha256').update(storeHash).digest().readUInt32BE(0) % TOKEN_SHARDS;
}

export interface TokenShardProps {
  tokens: readonly ManagedToken[];
  key: kms.IKey;
  /** Each function and its role, the one principal its secrets' policies let write versions. */
  rotators: ReadonlyMap<RotatorKind, { function: lambda.IFunction; role: iam.IRole }>;
  /** The tag of each function's secrets; its value names the root stack, as IAM grants by it. */
  secretsTag: (kind: RotatorKind) => { key: string; value: string };
}

/**
 * The secrets of the tokens of one shard, each with its own policy (guardManagedSecret) and its Secrets Manager
 * rotation schedule. Its parameters are the key's ARN and the ARNs of each rotator function and its role,
 * whatever the number of tokens; it has no output.
 */
export class TokenShardStack extends NestedStack {
  readonly secrets = new Map<string, secretsmanager.Secret>();

  constructor(scope: Construct, id: string, props: TokenShardProps) {
    super(scope, id, { description: `BigCommerce token secrets of ${PRODUCT_NAME} (one shard of stores)` });
    // The secrets name the key by its ARN, so that each does not add its grants to the key's policy: the root
    // stack grants Secrets Manager the key once (grantKeyToSecretsManager). Added by each secret, the same two
    // statements end up once in the template all the same, but CDK's policy minimizing (cdk.json's
    // minimizePolicies) pairs them one with another first: at 5,000 tokens, minutes of `cdk synth`.
    const key = kms.Key.fromKeyArn(this, 'SecretsKey', props.key.keyArn);
    for (const token of props.tokens) {
      const kind = FAMILY_ROTATOR[token.family];
      const secret = managedSecret(this, token, key, props.secretsTag(kind));
      const rotator = props.rotators.get(kind) as { function: lambda.IFunction; role: iam.IRole };
      guardManagedSecret(secret, rotator.role);
      rotateWith(rotator.function, secret);
      this.secrets.set(token.id, secret);
    }
  }
}

/**
 * The token's secret, created with the placeholder as its first version. Secrets Manager gives a secret's
 * first version AWSCURRENT whatever labels the write asks for, so were the secret created empty, the first
 * token the rotator staged would become current before being verified; with the placeholder current from
 * the start, a token only becomes current by promotion. Not CDK's default either: a generated random string
 * could be mistaken for a token.
 */
function managedSecret(
  scope: Construct,
  token: ManagedToken,
  key: kms.IKey,
  tag: { key: string; value: string },
): secretsmanager.Secret {
  const secret = new secretsmanager.Secret(scope, `Secret${pascal(token.id)}`, {
    secretName: token.secretName,
    description: `BigCommerce ${token.family} token "${token.id}" for store ${token.storeHash}, rotated by ${PRODUCT_NAME}`,
    encryptionKey: key,
    removalPolicy: RemovalPolicy.RETAIN,
    // Plain text in the template is safe here: the placeholder holds no secret (`token` is null; the rest is
    // the token's id, family and store, all already in the secret's description). Its text must not change:
    // CloudFormation would write the new text as the current version of every deployed secret, displacing
    // live tokens until the next run (the infra test pins it).
    secretStringValue: SecretValue.unsafePlainText(placeholderValue(token)),
  });
  Tags.of(secret).add(tag.key, tag.value);
  return secret;
}

export function pascal(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
