import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { fetchThroughSandbox } from '../../sandbox/bigcommerce/graphql';
import { useRotator } from '../support/rotator';
import { useSandbox } from '../support/sandbox';

const ROOT = path.resolve(__dirname, '../..');
/** The consumers' page, where the reader's examples are. */
const PAGE = 'docs/consumers.md';
const CONSUMERS = readFileSync(path.join(ROOT, PAGE), 'utf8');
const SECTION = CONSUMERS.slice(CONSUMERS.indexOf('## Reading the tokens'), CONSUMERS.indexOf('## Events'));

/** An example file without its import lines, which differ on the page (a package, `./reader`). */
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

/** One fenced TypeScript example of a document: its code, the heading it is under, the line it starts on. */
interface Example {
  /** The document it is in, as the type checker's complaints name it. */
  document: string;
  heading: string;
  line: number;
  source: string;
  /** Where the type check places it: beside `reader/`, as an app that copied the folder would have it. */
  file: string;
}

function typeScriptExamples(): Example[] {
  const examples: Example[] = [];
  let heading = '';
  const lines = CONSUMERS.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] as string;
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    if (line !== '```ts') continue;
    const end = lines.indexOf('```', i + 1);
    examples.push({
      document: PAGE,
      heading,
      line: i + 2,
      source: lines.slice(i + 1, end).join('\n'),
      file: path.join(ROOT, `doc-example-${examples.length + 1}.ts`),
    });
    i = end;
  }
  return examples;
}

/**
 * The type checker's complaints about the examples, as `<document>:<line>: <message>`, against the project's real
 * modules and BigCommerce's published Catalyst client with the project's compiler options, as ES modules (an
 * app may await at the top level).
 */
function typeErrors(examples: Example[]): string[] {
  const { config } = ts.readConfigFile(path.join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, ROOT);
  const compilerOptions: ts.CompilerOptions = {
    ...options,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
  };
  const sources = new Map(examples.map((e) => [e.file, e.source]));
  const host = ts.createCompilerHost(compilerOptions);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const source = sources.get(name);
    return source === undefined ? getSourceFile(name, language, ...rest) : ts.createSourceFile(name, source, language);
  };
  host.fileExists = (name) => sources.has(name) || fileExists(name);
  host.readFile = (name) => sources.get(name) ?? readFile(name);
  const program = ts.createProgram([...sources.keys()], compilerOptions, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const example = examples.find((e) => e.file === d.file?.fileName);
    if (!example || d.file === undefined || d.start === undefined) return `${d.file?.fileName ?? ''}: ${message}`;
    return `${example.document}:${example.line + d.file.getLineAndCharacterOfPosition(d.start).line}: ${message}`;
  });
}

/**
 * The `@example` blocks of a source file's TSDoc comments, each placed beside `reader/` (in the project's root)
 * as an app's file would be.
 */
function tsdocExamples(file: string): Example[] {
  const lines = readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i += 1) {
    if (!/^\s*\* ```ts$/.test(lines[i] as string)) continue;
    const end = lines.findIndex((l, j) => j > i && /^\s*\* ```$/.test(l));
    examples.push({
      document: file,
      heading: file,
      line: i + 2,
      source: lines
        .slice(i + 1, end)
        .map((l) => l.replace(/^\s*\* ?/, ''))
        .join('\n'),
      file: path.join(ROOT, `tsdoc-example-${path.basename(file, '.ts')}-${examples.length + 1}.ts`),
    });
    i = end;
  }
  return examples;
}

/**
 * The public declarations without an `@example` in their TSDoc: what `reader/index.ts` exports, and the public
 * methods of the classes `infra/stack.ts` exports.
 */
function withoutExample(): string[] {
  const program = ts.createProgram([path.join(ROOT, 'reader/index.ts'), path.join(ROOT, 'infra/stack.ts')], {});
  const checker = program.getTypeChecker();
  const hasExample = (node: ts.Node) => ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'example');
  const reader = checker.getSymbolAtLocation(program.getSourceFile(path.join(ROOT, 'reader/index.ts')) as ts.Node);
  const exports = checker.getExportsOfModule(reader as ts.Symbol).map((symbol) => {
    const declaration = checker.getAliasedSymbol(symbol).declarations?.[0];
    return { name: `reader: ${symbol.name}`, documented: declaration !== undefined && hasExample(declaration) };
  });
  const stack = program.getSourceFile(path.join(ROOT, 'infra/stack.ts')) as ts.SourceFile;
  const classes = stack.statements.filter(
    (s): s is ts.ClassDeclaration =>
      ts.isClassDeclaration(s) && !!s.modifiers?.some((k) => k.kind === ts.SyntaxKind.ExportKeyword),
  );
  const methods = classes.flatMap((c) =>
    c.members
      .filter((m): m is ts.MethodDeclaration => ts.isMethodDeclaration(m))
      .filter((m) => !m.modifiers?.some((k) => k.kind === ts.SyntaxKind.PrivateKeyword))
      .map((m) => ({ name: `${c.name?.text}.${m.name.getText(stack)}`, documented: hasExample(m) })),
  );
  expect(exports.length).toBeGreaterThan(5);
  expect(methods.length).toBeGreaterThan(1);
  return [...exports, ...methods].filter((d) => !d.documented).map((d) => d.name);
}

describe('TSDoc examples of the reader and the stack', () => {
  const files = ['reader/errors.ts', 'reader/stored-value.ts', 'reader/token-reader.ts', 'infra/stack.ts'];

  it('every export of reader/ and every public method of the stack’s classes has one', () => {
    expect(withoutExample()).toEqual([]);
  }, 60_000);

  it('type-check against the real modules and the project’s compiler options', () => {
    const examples = files.flatMap(tsdocExamples);
    expect(examples.length).toBeGreaterThanOrEqual(11);
    expect(typeErrors(examples)).toEqual([]);
  }, 60_000);
});

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
  ...parameters: string[]
) => (...values: unknown[]) => Promise<void>;

/**
 * Runs an example as its app would, its imports resolved from beside `reader/`, with the given `fetch` and
 * `console`; answers with what it exports.
 */
async function run(
  example: Example,
  globals: { fetch: typeof fetch; console: Pick<Console, 'log'> },
): Promise<Record<string, unknown>> {
  const js = ts.transpileModule(example.source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const module = { exports: {} as Record<string, unknown> };
  const load = (id: string): unknown => require(id.startsWith('.') ? path.join(ROOT, id) : id);
  await new AsyncFunction('exports', 'require', 'module', 'fetch', 'console', js)(
    module.exports,
    load,
    module,
    globals.fetch,
    globals.console,
  );
  return module.exports;
}

describe("docs/consumers.md's TypeScript examples", () => {
  // The examples read the example configuration's private storefront token, as the rotator writes it.
  const exampleConfig = JSON.parse(readFileSync(path.join(ROOT, 'rotator.config.json'), 'utf8'));
  const rotator = useRotator({
    ...exampleConfig,
    tokens: exampleConfig.tokens.filter((t: { id: string }) => t.id === 'headless-storefront'),
  });
  const examples = typeScriptExamples();
  const example = (heading: string): Example => {
    const found = examples.find((e) => e.heading === heading);
    if (!found) throw new Error(`no TypeScript example under "${heading}"`);
    return found;
  };

  /** `fetch` as the examples' app would have it, with BigCommerce's GraphQL hosts served by the sandbox. */
  const sandboxFetch: typeof fetch = (input, init) =>
    fetchThroughSandbox(rotator().sandbox.bigcommerce.graphqlUrlTemplate)(input, init);

  beforeAll(async () => {
    expect((await rotator().invoke({})).results[0]).toMatchObject({ outcome: 'rotated' });
  });

  it('are the examples this test knows how to check', () => {
    expect(examples.map((e) => e.heading)).toEqual([
      'The Node reader (`reader/`)',
      'Node: `fetch` to the GraphQL Storefront API',
      'Catalyst',
    ]);
  });

  it('type-check against the real reader and the project’s compiler options', () => {
    expect(typeErrors(examples)).toEqual([]);
  }, 60_000);

  it('The Node reader: sends the current token with the header it names', async () => {
    const h = rotator();
    const graphql = () => h.sandbox.bigcommerce.server.requests((r) => r.path.endsWith('/graphql'));
    const before = graphql().length;

    await run(example('The Node reader (`reader/`)'), { fetch: sandboxFetch, console });

    const sent = graphql().slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({
      path: `/storefront/store-abc123xyz-1/graphql`,
      status: 200,
      headers: { authorization: `Bearer ${(await h.secret('headless-storefront'))?.token}` },
    });
  });

  it('Node fetch: prints the store name the GraphQL Storefront API answers with', async () => {
    const logged: unknown[][] = [];
    const exported = await run(example('Node: `fetch` to the GraphQL Storefront API'), {
      fetch: sandboxFetch,
      console: { log: (...values: unknown[]) => logged.push(values) },
    });
    await (exported.printStoreName as () => Promise<void>)();
    const store = rotator().sandbox.bigcommerce.api.seeded.find((s) => s.storeHash === 'abc123xyz');
    expect(logged).toEqual([[store?.storeName]]);
  });
});

describe("docs/consumers.md's Reading the tokens section", () => {
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
        const { stdout } = await promisify(execFile)('python3', [path.join(__dirname, 'doc_python_driver.py')], {
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
