import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { EVENT_SOURCE } from '../functions/config/types';

/**
 * Consumers act on the product's events (they re-read a token on `Token Rotated`), so only the rotators may
 * announce: the bus's policy denies PutEvents with the product's source to every other principal, whatever
 * identity policies in the account allow (an explicit Deny wins). Events with other sources are left alone.
 */
export function onlyRotatorsAnnounce(bus: events.EventBus, rotatorRoles: readonly iam.IRole[]): void {
  bus.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'OnlyTheRotatorsAnnounce',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: ['events:PutEvents'],
      resources: [bus.eventBusArn],
      conditions: {
        StringEquals: { 'events:source': EVENT_SOURCE },
        ArnNotEquals: { 'aws:PrincipalArn': rotatorRoles.map((role) => role.roleArn) },
      },
    }),
  );
}
