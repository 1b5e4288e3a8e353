import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import { request } from '../support/sandbox';

const ROOT = path.resolve(__dirname, '../..');

function startCli(args: string[]): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'sandbox/cli.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: 'true' },
  });
}

function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const newline = out.indexOf('\n');
      if (newline >= 0) resolve(out.slice(0, newline));
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited early with ${code}`)));
  });
}

function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

describe('npm run sandbox', () => {
  it('prints one line of JSON with loopback URLs and credentials that work, and stops on SIGTERM', async () => {
    const child = startCli(['--port', '0']);
    const info = JSON.parse(await firstLine(child));
    try {
      expect(info.bigcommerce.apiUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.aws.endpointUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.bigcommerce.graphqlUrlTemplate).toContain('{storeHash}');
      const [store] = info.stores;
      expect(store).toMatchObject({
        storeHash: expect.any(String),
        accessToken: expect.any(String),
        limitedAccessToken: expect.any(String),
        b2bAdmin: { email: expect.any(String), password: expect.any(String) },
      });
      expect(info.env.AWS_ENDPOINT_URL).toBe(info.aws.endpointUrl);

      const minted = await request(
        `${info.bigcommerce.apiUrl}/stores/${store.storeHash}/v3/payments/stored-instruments/access-tokens`,
        { method: 'POST', headers: { 'x-auth-token': store.accessToken } },
      );
      expect(minted.status).toBe(201);
      const b2b = await request(`${info.bigcommerce.b2bApiUrl}/auth/backend`, {
        method: 'POST',
        json: { storeHash: store.storeHash, ...store.b2bAdmin, name: 'cli-check' },
      });
      expect(b2b.status).toBe(200);
    } finally {
      const exited = exitCode(child);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('refuses a bad port with a usage message and exit code 2', async () => {
    const child = startCli(['--port', 'eighty']);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    expect(await exitCode(child)).toBe(2);
    expect(stderr).toContain('--port needs a port number');
    expect(stderr).toContain('Usage:');
  });
});
