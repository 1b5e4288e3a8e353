import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

/**
 * What the synth check and the infrastructure tests read from a synthesized cloud assembly, and cfn-lint run on
 * its templates: both check the templates the same way.
 */

/** Every template of a cloud assembly, the root stack's and each nested stack's. */
export function templateFiles(assemblyDir: string): string[] {
  return readdirSync(assemblyDir)
    .filter((f) => f.endsWith('.template.json'))
    .sort()
    .map((f) => path.join(assemblyDir, f));
}

/** A finding of a validation plugin (cdk-nag's packs, CDK's own template validation), as synthesis reports it. */
export interface Violation {
  plugin: string;
  ruleName: string;
  severity?: string;
  resources: string[];
}

/**
 * The findings in the validation report synthesis writes into the assembly (`validation-report.json`), which
 * holds cdk-nag's: acknowledged findings are not in it. No report means no plugin found anything.
 */
export function validationViolations(assemblyDir: string): Violation[] {
  const file = path.join(assemblyDir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as {
    pluginReports: {
      pluginName: string;
      violations: { ruleName: string; severity?: string; violatingResources: { resourceLogicalId?: string }[] }[];
    }[];
  };
  return report.pluginReports.flatMap((r) =>
    r.violations.map((v) => ({
      plugin: r.pluginName,
      ruleName: v.ruleName,
      severity: v.severity,
      resources: v.violatingResources.map((res) => res.resourceLogicalId ?? '?'),
    })),
  );
}

/** cfn-lint's exit code is a bit mask: 2 errors, 4 warnings, 8 informational findings. */
export const CFN_LINT_ERRORS = 2;

export interface CfnLintResult {
  /** cfn-lint's exit code; null when it could not be run. */
  exit: number | null;
  /** Whether cfn-lint found an error (or could not run). */
  failed: boolean;
  /** The error findings, each as cfn-lint prints it (rule, message, file and line). */
  errors: string[];
  /** How many findings of each kind: E errors, W warnings, I informational. */
  counts: Record<'E' | 'W' | 'I', number>;
  version: string;
  ms: number;
}

/**
 * cfn-lint (AWS's CloudFormation linter, on PATH) over `files` in one process, for `regions`: the Regions the
 * templates are deployed to. Only errors fail; warnings are counted.
 */
export async function cfnLint(files: readonly string[], regions: readonly string[]): Promise<CfnLintResult> {
  const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (version.error || version.status !== 0) {
    throw new Error(
      `cfn-lint is needed to lint the synthesized templates and could not be run (${version.error?.message ?? version.stderr}). Install it with \`pip install cfn-lint\`, then make sure \`cfn-lint\` is on PATH.`,
    );
  }
  const started = Date.now();
  const { exit, output } = await new Promise<{ exit: number | null; output: string }>((resolve) => {
    const child = spawn('cfn-lint', ['--regions', ...regions, '--', ...files], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    child.on('error', (error) => resolve({ exit: null, output: `${output}${error.message}` }));
    child.on('close', (code) => resolve({ exit: code, output }));
  });
  const findings = output
    .split('\n\n')
    .map((f) => f.trim())
    .filter(Boolean);
  const count = (kind: string) => findings.filter((f) => new RegExp(`^${kind}\\d`).test(f)).length;
  return {
    exit,
    failed: exit === null || (exit & CFN_LINT_ERRORS) !== 0,
    errors: findings.filter((f) => !/^[WI]\d/.test(f)),
    counts: { E: count('E'), W: count('W'), I: count('I') },
    version: version.stdout.trim(),
    ms: Date.now() - started,
  };
}
