import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { buildApp } from '../../infra/app';
import { auditText } from '../support/audit';

const PROJECT_ROOT = path.resolve(__dirname, '../..');
const OUT = path.join(PROJECT_ROOT, '.jest-cdk-out', 'cfn-lint');
/** cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational findings. */
const ERRORS = 2;

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe("AWS's CloudFormation linter", () => {
  it('finds no error in the templates (root and nested) synthesized for the repository configuration', () => {
    const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (version.error || version.status !== 0) {
      throw new Error(
        `cfn-lint is needed to lint the synthesized template and could not be run (${version.error?.message ?? version.stderr}). Install it with \`pip install cfn-lint\`, then make sure \`cfn-lint\` is on PATH.`,
      );
    }

    const started = Date.now();
    const { app } = buildApp({
      configPath: path.join(PROJECT_ROOT, 'rotator.config.json'),
      app: { outdir: OUT, context: { 'aws:cdk:bundling-stacks': [] } },
    });
    const assembly = app.synth();
    const synthMs = Date.now() - started;
    const templateFiles = readdirSync(assembly.directory)
      .filter((f) => f.endsWith('.template.json'))
      .map((f) => path.join(assembly.directory, f));
    expect(templateFiles.filter((f) => f.endsWith('.nested.template.json'))).toHaveLength(1);
    for (const file of templateFiles) auditText('template', readFileSync(file, 'utf8'));

    const lint = spawnSync('cfn-lint', templateFiles, { encoding: 'utf8', cwd: PROJECT_ROOT });
    const findings = `${lint.stdout}${lint.stderr}`.trim();
    process.stdout.write(
      `cfn-lint ${version.stdout.trim()} on ${templateFiles.map((f) => path.relative(PROJECT_ROOT, f)).join(', ')} (synth ${synthMs} ms): exit ${lint.status}${findings ? `\n${findings}` : ', no findings'}\n`,
    );
    expect(lint.error).toBeUndefined();
    expect({ exit: lint.status, errors: ((lint.status ?? ERRORS) & ERRORS) !== 0, findings }).toEqual({
      exit: lint.status,
      errors: false,
      findings,
    });
  }, 120_000);
});
