import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * moto's server (https://github.com/getmoto/moto), a widely used AWS implementation we did not write: the
 * conformance run forwards the sandbox's AWS requests to it, so the product is held to moto's reading of
 * the AWS API as well as to ours.
 */
export interface Moto {
  readonly url: string;
  /** Forgets every resource: a fresh account for the next group of tests. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export const MOTO_MISSING =
  'moto_server not found: the conformance run needs moto\'s server (pip install "moto[server]")';
const STARTUP_TIMEOUT_MS = 60_000;

/** Starts `moto_server` on 127.0.0.1 on a free port and resolves once it answers. */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4000);
  });
  const exited = new Promise<never>((_, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(error.code === 'ENOENT' ? MOTO_MISSING : `moto_server failed to start: ${error.message}`)),
    );
    child.once('exit', (code) =>
      // A pyenv shim without moto installed behind it exits 127 ("command not found").
      reject(new Error(code === 127 ? MOTO_MISSING : `moto_server exited with ${code} before answering:\n${stderr}`)),
    );
  });
  exited.catch(() => undefined);
  try {
    await Promise.race([waitUntilAnswering(url), exited]);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return {
    url,
    reset: async () => {
      const response = await fetch(`${url}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered ${response.status}`);
    },
    stop: () => stopProcess(child),
  };
}

let shared: Moto | undefined;

/** One moto for the whole test file: started before its first test, stopped after its last. */
export function useMoto(): void {
  beforeAll(async () => {
    shared = await startMoto();
  }, STARTUP_TIMEOUT_MS + 5_000);
  afterAll(async () => {
    await shared?.stop();
    shared = undefined;
  });
}

/**
 * The test file's moto (reset, so each group of tests starts from an empty account), or a moto of its own
 * when the file did not start one; `release` stops only the latter.
 */
export async function acquireMoto(): Promise<{ moto: Moto; release(): Promise<void> }> {
  if (shared) {
    await shared.reset();
    return { moto: shared, release: async () => undefined };
  }
  const own = await startMoto();
  return { moto: own, release: () => own.stop() };
}

export const MOTO_STARTUP_TIMEOUT_MS = STARTUP_TIMEOUT_MS + 5_000;

async function waitUntilAnswering(url: string): Promise<void> {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/moto-api/`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto_server did not answer at ${url}/moto-api/ within ${STARTUP_TIMEOUT_MS} ms`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
