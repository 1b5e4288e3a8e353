import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { useSandbox } from '../support/sandbox';

const ROOT = path.resolve(__dirname, '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const SECTION = README.slice(README.indexOf('## Reading the tokens'), README.indexOf('## B2B Edition backend tokens'));

/** An example file without its import lines, which differ in the README (a package, `./reader`). */
function bodyOf(file: string): string {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const lastImport = lines.map((l) => l.startsWith('import ')).lastIndexOf(true);
  return lines
    .slice(lastImport + 1)
    .join('\n')
    .trim();
}

function codeBlocks(language: string): string[] {
  return [...SECTION.matchAll(new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1] as string);
}

describe("README's Reading the tokens section", () => {
  it.each(['reader/examples/storefront-fetch.ts', 'reader/examples/catalyst-client.ts'])(
    'shows %s as tsc checks it',
    (file) => {
      expect(SECTION).toContain(bodyOf(file));
    },
  );

  describe('the Python example, run against the sandbox with boto3', () => {
    const sandbox = useSandbox({ bigcommerce: { stores: [{ storeHash: 'pystore', storeName: 'Python Store' }] } });

    it('waits for the first token, sends it, retries after a 401, survives an AWS fault and never shows a value', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'reader-python-'));
      try {
        writeFileSync(path.join(dir, 'example.py'), codeBlocks('python').join('\n\n'));
        const s = sandbox();
        const env = {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          PYTHONPATH: dir,
          AWS_ENDPOINT_URL: s.aws.endpointUrl,
          AWS_REGION: s.aws.region,
          AWS_DEFAULT_REGION: s.aws.region,
          AWS_ACCESS_KEY_ID: 'sandbox',
          AWS_SECRET_ACCESS_KEY: 'sandbox',
          AWS_MAX_ATTEMPTS: '1',
          SANDBOX: JSON.stringify({
            apiUrl: s.bigcommerce.apiUrl,
            awsEndpoint: s.aws.endpointUrl,
            storeHash: 'pystore',
            accessToken: s.store.accessToken,
            graphqlUrl: s.bigcommerce.graphqlUrlTemplate.replace('{storeHash}', 'pystore').replace('{channelId}', '1'),
            secretName: 'bigcommerce/pystore/headless',
          }),
        };
        const { stdout } = await promisify(execFile)('python3', [path.join(__dirname, 'readme_python_driver.py')], {
          env,
          timeout: 60_000,
        });
        expect(JSON.parse(stdout)).toEqual({
          placeholder: 'NoTokenYet',
          storeName: 'Python Store',
          storeNameAfterRevocation: 'Python Store',
          movedToNewVersion: true,
          keptDuringOutage: true,
          malformed: 'ValueError',
          malformedShowsValue: false,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  });
});
