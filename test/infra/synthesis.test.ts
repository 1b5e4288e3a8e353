import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { PROJECT_ROOT } from '../../infra/bundling';
import { cfnLint, validationViolations } from '../../scripts/template-checks';
import { auditText } from '../support/audit';
import { RESOLVED_ENVIRONMENT, type UserSynthesis, useUserSynthesis } from '../support/infra';

/**
 * The app synthesized where users stand (`npx cdk synth`: cdk.json's context, the functions bundled, the account
 * and Region resolved) for the repository's configuration. Every check that synthesis on the user's path must
 * pass is made here, once: cdk-nag, cfn-lint.
 */

const EXAMPLE_CONFIG = path.join(PROJECT_ROOT, 'rotator.config.json');
const synthesize = useUserSynthesis();
let example: UserSynthesis;

beforeAll(() => {
  example = synthesize(JSON.parse(readFileSync(EXAMPLE_CONFIG, 'utf8')), 'user-example');
  process.stdout.write(`synthesized bundled in ${RESOLVED_ENVIRONMENT.region}: the example in ${example.ms} ms\n`);
}, 900_000);

describe('synthesis where users stand: functions bundled, account and Region resolved, cdk.json applied', () => {
  it('leaves no unacknowledged cdk-nag finding (AWS Solutions, PCI DSS 3.2.1, NIST 800-53 rev. 5), nor any other', () => {
    expect(validationViolations(example.directory)).toEqual([]);
    // The wildcard on the function's own secrets is acknowledged as resolved here.
    const policies = Template.fromStack(example.stack).findResources('AWS::IAM::Policy');
    expect(JSON.stringify(policies)).toContain(
      `${RESOLVED_ENVIRONMENT.region}:${RESOLVED_ENVIRONMENT.account}:secret:*`,
    );
  });

  it('passes cfn-lint without error, every template (root and nested), for the Region it is synthesized for', async () => {
    const lint = await cfnLint(example.templates, [RESOLVED_ENVIRONMENT.region]);
    process.stdout.write(
      `cfn-lint ${lint.version} on ${example.templates.length} templates in ${lint.ms} ms: exit ${lint.exit}, ` +
        `${lint.counts.E} errors, ${lint.counts.W} warnings, ${lint.counts.I} informational\n`,
    );
    expect(example.templates.filter((f) => f.endsWith('.nested.template.json'))).toHaveLength(1);
    expect({ failed: lint.failed, errors: lint.errors.slice(0, 5) }).toEqual({ failed: false, errors: [] });
  }, 900_000);

  it('contains no credential or token', () => {
    for (const file of example.templates) auditText('template', readFileSync(file, 'utf8'));
  });
});
