/**
 * Secrets Manager's side of a Lambda rotation: the event each step sends the rotation function, and the
 * order of the steps ("How rotation works": createSecret, setSecret, testSecret, finishSecret, each with the
 * rotation's ClientRequestToken). The sandbox cannot run Lambda: a test or the local demo registers a local
 * function under the function's ARN, and RotateSecret calls it in-process where AWS would invoke the Lambda.
 */
export interface RotationEvent {
  Step: RotationStep;
  /** The secret's ARN, as Secrets Manager sends it. */
  SecretId: string;
  ClientRequestToken: string;
}

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

/** A rotation function: resolves when the step succeeded, rejects when it failed. */
export type RotationFunction = (event: RotationEvent) => Promise<unknown>;

/** What one invocation of the rotation function did. */
export interface StepRecord {
  step: RotationStep;
  /** The function's error, when the step failed (its name and message, as a Lambda error reports them). */
  error?: string;
}

/**
 * The steps a rotation runs. RotateImmediately: "If you set RotateImmediately to false, Secrets Manager tests
 * the rotation configuration by running the testSecret step of the Lambda rotation function."
 */
export function rotationSteps(rotateImmediately: boolean): RotationStep[] {
  return rotateImmediately ? ['createSecret', 'setSecret', 'testSecret', 'finishSecret'] : ['testSecret'];
}

/** Invokes the steps in order; a step that fails ends the rotation there, as it does at Secrets Manager. */
export async function invokeSteps(
  invoke: RotationFunction,
  secretArn: string,
  clientRequestToken: string,
  steps: RotationStep[],
): Promise<StepRecord[]> {
  const records: StepRecord[] = [];
  for (const step of steps) {
    try {
      await invoke({ Step: step, SecretId: secretArn, ClientRequestToken: clientRequestToken });
      records.push({ step });
    } catch (error) {
      records.push({ step, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
      break;
    }
  }
  return records;
}

/** Whether every step of `steps` ran and succeeded. */
export function succeeded(records: StepRecord[], steps: RotationStep[]): boolean {
  return records.length === steps.length && records.every((r) => r.error === undefined);
}
