/**
 * Everything the code under test writes to stdout/stderr in this test file, kept instead of printed, so
 * tests can scan it (no secret may appear in a log line) and runs stay quiet.
 */
const captured: string[] = [];
const originals = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

function capture(chunk: unknown, encodingOrCallback?: unknown, callback?: unknown): boolean {
  captured.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
  const done = typeof encodingOrCallback === 'function' ? encodingOrCallback : callback;
  if (typeof done === 'function') done();
  return true;
}

export function startCapture(): void {
  process.stdout.write = capture as typeof process.stdout.write;
  process.stderr.write = capture as typeof process.stderr.write;
}

export function stopCapture(): void {
  process.stdout.write = originals.stdout;
  process.stderr.write = originals.stderr;
}

/** Writes past the capture, for a test's own report line. */
export function printThrough(text: string): void {
  originals.stdout(text);
}

/** All output captured so far in this test file. */
export function capturedOutput(): string {
  return captured.join('');
}

/** Structured (JSON) log lines captured so far. */
export function capturedLogLines(): Record<string, unknown>[] {
  return capturedOutput()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
}
