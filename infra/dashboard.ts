import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type { Construct } from 'constructs';
import type { RotatorKind } from '../functions/config/types';
import { ROTATION_FAILED_MESSAGE, SERVICE_NAME } from '../functions/observability/log-names';
import {
  DIMENSIONS,
  METRICS_NAMESPACE,
  OUTCOME_METRICS,
  SECONDS_SINCE_MINTED,
  SECONDS_UNTIL_EXPIRY,
  TOKEN_DIMENSIONS,
  TOKEN_PAUSED,
} from '../functions/observability/rotation-metrics';
import type { RotatorFunction } from './rotator-function';

/** Rows a token table lists: the worst first, enough to act on without scrolling through the fleet. */
export const TOKEN_TABLE_ROWS = 50;

const HOUR = Duration.hours(1);
const FULL = 24;

/**
 * A Metrics Insights query over the per-token series of this deployment's functions (their names keep another
 * deployment's tokens in the same account out): one row per token, labelled by its store and token id, `order`
 * first.
 */
export function tokenQuery(metric: string, fn: 'MIN' | 'MAX', order: 'ASC' | 'DESC', functionNames: string[]): string {
  const functions = functionNames.map((name) => `${DIMENSIONS.functionName} = '${name}'`).join(' OR ');
  return [
    `SELECT ${fn}(${metric})`,
    `FROM SCHEMA("${METRICS_NAMESPACE}", ${TOKEN_DIMENSIONS.join(', ')})`,
    `WHERE ${DIMENSIONS.service} = '${SERVICE_NAME}' AND (${functions})`,
    `GROUP BY ${DIMENSIONS.storeHash}, ${DIMENSIONS.tokenId}`,
    `ORDER BY ${fn}() ${order}`,
    `LIMIT ${TOKEN_TABLE_ROWS}`,
  ].join(' ');
}

/**
 * The fleet at a glance: every alarm's state; each function's token outcomes over time; the token tables
 * (tokenTables); failed rotations by step, and the latest ones, from the structured `rotation failed` log line;
 * each work queue's backlog. Widgets exist only for the functions (and work queues) the stack has.
 */
export function rotationDashboard(
  scope: Construct,
  rotators: ReadonlyMap<RotatorKind, RotatorFunction>,
  { anyPaused }: { anyPaused: boolean },
) {
  const all = [...rotators.values()];
  const rows: cloudwatch.IWidget[][] = [
    [
      new cloudwatch.AlarmStatusWidget({
        title: 'Alarms',
        alarms: all.flatMap((r) => r.alarms),
        width: FULL,
        height: 3,
        sortBy: cloudwatch.AlarmStatusWidgetSortBy.STATE_UPDATED_TIMESTAMP,
      }),
    ],
    [...rotators].map(
      ([kind, rotator]) =>
        new cloudwatch.GraphWidget({
          title: `Token outcomes: ${kind} rotator (per hour)`,
          left: Object.entries(OUTCOME_METRICS).map(([outcome, metric]) =>
            rotator.ownMetric(metric, { statistic: 'Sum', period: HOUR }).with({ label: outcome }),
          ),
          stacked: true,
          width: FULL / rotators.size,
          height: 6,
        }),
    ),
  ];
  rows.push(tokenTables(rotators, anyPaused));
  const queued = [...rotators].flatMap(([kind, r]) => (r.workQueue ? [[kind, r.workQueue.queue] as const] : []));
  if (queued.length > 0) {
    // Work handed out waits seconds; a queue that stays full, or old, is invocations failing or throttled.
    rows.push(
      queued.map(
        ([kind, queue]) =>
          new cloudwatch.GraphWidget({
            title: `Work queue: ${kind} rotator`,
            left: [queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', label: 'stores waiting' })],
            right: [queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', label: 'oldest (seconds)' })],
            width: FULL / queued.length,
            height: 6,
          }),
      ),
    );
  }
  const logGroupNames = all.map((r) => r.logGroup.logGroupName);
  const failed = `filter message = "${ROTATION_FAILED_MESSAGE}"`;
  rows.push([
    new cloudwatch.LogQueryWidget({
      title: 'Failed rotations by step',
      logGroupNames,
      queryLines: [failed, 'stats count(*) as failures by error.step', 'sort failures desc'],
      view: cloudwatch.LogQueryVisualizationType.BAR,
      width: FULL / 3,
      height: 6,
    }),
    new cloudwatch.LogQueryWidget({
      title: 'Latest failed rotations',
      logGroupNames,
      queryLines: [
        'fields @timestamp, tokenId, storeHash, error.step, error.code, error.httpStatus, error.hint',
        failed,
        'sort @timestamp desc',
        'limit 20',
      ],
      view: cloudwatch.LogQueryVisualizationType.TABLE,
      width: (FULL * 2) / 3,
      height: 6,
    }),
  ]);
  return new cloudwatch.Dashboard(scope, 'Dashboard', {
    defaultInterval: Duration.hours(6),
    widgets: rows,
  });
}

/**
 * One row of token tables: the tokens closest to expiry, the oldest B2B tokens (which never expire), and, when the
 * configuration pauses some, the paused tokens: they report that instead of their life, since no run renews them.
 */
function tokenTables(rotators: ReadonlyMap<RotatorKind, RotatorFunction>, anyPaused: boolean): cloudwatch.IWidget[] {
  const expiring = [...rotators].filter(([kind]) => kind !== 'b2b').map(([, r]) => r.function.functionName);
  const b2b = rotators.get('b2b');
  const functionNames = [...rotators.values()].map((r) => r.function.functionName);
  const tables: { title: string; expression: string; summary: cloudwatch.TableSummaryColumn }[] = [];
  if (expiring.length > 0) {
    tables.push({
      title: 'Tokens closest to expiry (seconds left, lowest first)',
      expression: tokenQuery(SECONDS_UNTIL_EXPIRY, 'MIN', 'ASC', expiring),
      summary: cloudwatch.TableSummaryColumn.MINIMUM,
    });
  }
  if (b2b) {
    tables.push({
      title: 'B2B tokens by age (seconds since minted, oldest first)',
      expression: tokenQuery(SECONDS_SINCE_MINTED, 'MAX', 'DESC', [b2b.function.functionName]),
      summary: cloudwatch.TableSummaryColumn.MAXIMUM,
    });
  }
  if (anyPaused) {
    tables.push({
      title: 'Paused tokens (no run renews them until unpaused)',
      expression: tokenQuery(TOKEN_PAUSED, 'MAX', 'DESC', functionNames),
      summary: cloudwatch.TableSummaryColumn.MAXIMUM,
    });
  }
  return tables.map(
    ({ title, expression, summary }) =>
      new cloudwatch.TableWidget({
        title,
        metrics: [new cloudwatch.MathExpression({ expression, period: HOUR })],
        summary: { columns: [summary], hideNonSummaryColumns: true },
        width: FULL / tables.length,
        height: 8,
      }),
  );
}
