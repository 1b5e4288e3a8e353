import { inspect } from 'node:util';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  createTokenReader,
  MalformedSecretError,
  NoPreviousTokenError,
  NoTokenYetError,
  type TokenReaderOptions,
} from '../../reader';
import { secretsManagerClient } from '../support/aws-clients';
import { useSandbox } from '../support/sandbox';
import { createSecret, getSecretValueCalls, putCurrent, tokenValue } from './secrets';

const sandbox = useSandbox();
const MINUTE = 60_000;
let client: SecretsManagerClient;

beforeAll(() => {
  client = secretsManagerClient(sandbox(), 1);
});
beforeEach(() => {
  sandbox().clock.freeze();
  sandbox().aws.server.clearRequests();
});
afterEach(() => {
  sandbox().clock.resume();
  sandbox().aws.server.setLatency(0);
  sandbox().aws.server.faults.clear();
});

function reader(secretId: string, options: Partial<TokenReaderOptions> = {}) {
  return createTokenReader({ secretId, client, clock: sandbox().clock, ...options });
}

const inMinutes = (minutes: number) => new Date(sandbox().clock.nowMs() + minutes * MINUTE);
const advance = (ms: number) => sandbox().clock.advance(ms);

describe('getToken', () => {
  it('answers the header, usage.valuePrefix + token, expiresAt and the version, and logs no token', async () => {
    const name = await createSecret(client);
    const expiresAt = new Date(Math.floor(inMinutes(600).getTime() / 1000) * 1000);
    const { text, token } = tokenValue({ expiresAt });
    const versionId = await putCurrent(client, name, text);

    const got = await reader(name).getToken();

    expect(got).toEqual({
      header: 'Authorization',
      expiresAt,
      versionId,
      stage: 'AWSCURRENT',
      tokenId: 'headless',
      family: 'storefront-private',
      storeHash: 'teststore1',
    });
    expect(got.value).toBe(`Bearer ${token}`);
    expect(got.token).toBe(token);
    for (const shown of [JSON.stringify(got), inspect(got), String(got), `${Object.values(got)}`])
      expect(shown).not.toContain(token);
  });

  it('answers from the cache for maxAgeMs, then reads AWSCURRENT again', async () => {
    const name = await createSecret(client);
    const first = await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(7 * 24 * 60) }).text);
    const tokens = reader(name, { maxAgeMs: 5 * MINUTE });

    expect((await tokens.getToken()).versionId).toBe(first);
    const second = await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(7 * 24 * 60) }).text);
    advance(5 * MINUTE - 1);
    expect((await tokens.getToken()).versionId).toBe(first);
    expect(getSecretValueCalls(sandbox())).toBe(1);

    advance(1);
    expect((await tokens.getToken()).versionId).toBe(second);
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('reads again refreshBeforeExpiryMs before expiresAt, however long maxAgeMs is', async () => {
    const name = await createSecret(client);
    const first = await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(10) }).text);
    const tokens = reader(name, { maxAgeMs: 60 * MINUTE, refreshBeforeExpiryMs: MINUTE });

    await tokens.getToken();
    const second = await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(70) }).text);
    advance(9 * MINUTE - 1);
    expect((await tokens.getToken()).versionId).toBe(first);
    advance(1);
    expect((await tokens.getToken()).versionId).toBe(second);
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('reads a token already inside its refresh window at most once per minRefreshIntervalMs', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(0.5) }).text);
    const tokens = reader(name, { refreshBeforeExpiryMs: MINUTE, minRefreshIntervalMs: 5_000 });

    for (let second = 0; second < 10; second += 1) {
      await tokens.getToken();
      advance(1_000);
    }
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('sends one GetSecretValue for 100 concurrent callers, and all get the same token', async () => {
    const name = await createSecret(client);
    const versionId = await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(60) }).text);
    sandbox().aws.server.setLatency(50);
    const tokens = reader(name);

    const got = await Promise.all(Array.from({ length: 100 }, () => tokens.getToken()));

    expect(getSecretValueCalls(sandbox())).toBe(1);
    expect(new Set(got.map((t) => t.versionId))).toEqual(new Set([versionId]));
    expect(new Set(got.map((t) => t.value)).size).toBe(1);
  });

  it('shares a failure among concurrent callers too, and the next call reads again', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(60) }).text);
    sandbox().aws.server.setLatency(20);
    sandbox().aws.server.injectFault({
      match: { operation: 'GetSecretValue' },
      fault: { kind: 'status', status: 500 },
    });
    const tokens = reader(name);

    const settled = await Promise.allSettled(Array.from({ length: 10 }, () => tokens.getToken()));
    expect(settled.every((s) => s.status === 'rejected')).toBe(true);
    expect(getSecretValueCalls(sandbox())).toBe(1);
    await expect(tokens.getToken()).resolves.toMatchObject({ stage: 'AWSCURRENT' });
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('keeps answering with the token it holds while AWS fails a re-read, until that token expires', async () => {
    const name = await createSecret(client);
    const versionId = await putCurrent(client, name, tokenValue({ expiresAt: inMinutes(20) }).text);
    const tokens = reader(name, { maxAgeMs: 5 * MINUTE, minRefreshIntervalMs: 10_000 });
    await tokens.getToken();

    sandbox().aws.server.injectFault({
      match: { operation: 'GetSecretValue' },
      fault: { kind: 'status', status: 500 },
      times: 1_000,
    });
    advance(5 * MINUTE);
    expect((await tokens.getToken()).versionId).toBe(versionId);
    advance(9_999);
    expect((await tokens.getToken()).versionId).toBe(versionId);
    expect(getSecretValueCalls(sandbox())).toBe(2);
    advance(1);
    expect((await tokens.getToken()).versionId).toBe(versionId);
    expect(getSecretValueCalls(sandbox())).toBe(3);

    advance(15 * MINUTE);
    await expect(tokens.getToken()).rejects.toThrow();
    expect(getSecretValueCalls(sandbox())).toBe(4);
  });

  it('answers NoTokenYetError while the placeholder is current, and the first token as soon as it is written', async () => {
    const name = await createSecret(client);
    const tokens = reader(name);

    const error = await tokens.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoTokenYetError);
    expect(error).toMatchObject({ name: 'NoTokenYetError', secretId: name });
    expect((error as Error).message).toContain('the first rotation has not run');

    const versionId = await putCurrent(client, name, tokenValue().text);
    expect((await tokens.getToken()).versionId).toBe(versionId);
  });

  it('answers MalformedSecretError for a value it cannot use, naming the rule and never the value', async () => {
    const secret = `leak-${'x'.repeat(24)}`;
    const valid = JSON.parse(tokenValue({ token: secret }).text);
    const malformed: [string, string][] = [
      [`not json ${secret}`, 'not JSON'],
      [JSON.stringify([secret]), 'not a JSON object'],
      [JSON.stringify({ ...valid, schemaVersion: 2 }), 'schemaVersion'],
      [JSON.stringify({ ...valid, token: '' }), 'token is not a non-empty string'],
      [JSON.stringify({ ...valid, token: 12345 }), 'token is not a non-empty string'],
      [JSON.stringify({ ...valid, usage: secret }), 'usage.header'],
      [JSON.stringify({ ...valid, usage: { header: 'Authorization' } }), 'usage.valuePrefix'],
      [JSON.stringify({ ...valid, expiresAt: secret }), 'expiresAt'],
      [JSON.stringify({ ...valid, expiresAt: undefined }), 'expiresAt'],
      [JSON.stringify({ ...valid, storeHash: 7 }), 'storeHash'],
    ];
    for (const [text, problem] of malformed) {
      const name = await createSecret(client);
      const versionId = await putCurrent(client, name, text);
      const error = await reader(name)
        .getToken()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MalformedSecretError);
      expect(error).toMatchObject({ name: 'MalformedSecretError', secretId: name, stage: 'AWSCURRENT', versionId });
      expect((error as MalformedSecretError).problem).toContain(problem);
      expect((error as Error).cause).toBeUndefined();
      for (const shown of [(error as Error).message, (error as Error).stack, JSON.stringify(error), inspect(error)])
        expect(shown).not.toContain(secret);
    }
  });
});

describe('AWSPREVIOUS, for a grace-period fallback', () => {
  it('reads the superseded token with getToken({ stage: "AWSPREVIOUS" })', async () => {
    const name = await createSecret(client);
    const first = await putCurrent(client, name, tokenValue().text);
    const second = await putCurrent(client, name, tokenValue().text);
    const tokens = reader(name);

    expect(await tokens.getToken({ stage: 'AWSPREVIOUS' })).toMatchObject({ versionId: first, stage: 'AWSPREVIOUS' });
    expect(await tokens.getToken()).toMatchObject({ versionId: second, stage: 'AWSCURRENT' });
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('answers NoPreviousTokenError while nothing has been superseded', async () => {
    const name = await createSecret(client);
    // Only the placeholder: no version holds AWSPREVIOUS.
    await expect(reader(name).getToken({ stage: 'AWSPREVIOUS' })).rejects.toBeInstanceOf(NoPreviousTokenError);
    // The first token superseded the placeholder, which now holds AWSPREVIOUS.
    await putCurrent(client, name, tokenValue().text);
    await expect(reader(name).getToken({ stage: 'AWSPREVIOUS' })).rejects.toBeInstanceOf(NoPreviousTokenError);
  });

  it('refuses a stage it does not know', async () => {
    const name = await createSecret(client);
    await expect(reader(name).getToken({ stage: 'AWSPENDING' as 'AWSCURRENT' })).rejects.toBeInstanceOf(TypeError);
    expect(getSecretValueCalls(sandbox())).toBe(0);
  });
});

describe('refresh after a 401', () => {
  it('moves to the new AWSCURRENT once the rotator has replaced the rejected token', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue().text);
    const tokens = reader(name, { minRefreshIntervalMs: 5_000 });
    const used = await tokens.getToken();
    const replacement = await putCurrent(client, name, tokenValue().text);

    advance(5_000);
    const fresh = await tokens.refresh(used);

    expect(fresh.versionId).toBe(replacement);
    expect(getSecretValueCalls(sandbox())).toBe(2);
    // getToken answers with it from now on, without another read.
    expect((await tokens.getToken()).versionId).toBe(replacement);
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('answers the same version while AWSCURRENT still holds the rejected token (the rotator has not run)', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue().text);
    const tokens = reader(name, { minRefreshIntervalMs: 5_000 });
    const used = await tokens.getToken();

    advance(5_000);
    expect((await tokens.refresh(used)).versionId).toBe(used.versionId);
    expect(getSecretValueCalls(sandbox())).toBe(2);
    // Read that long ago at most, the same version answers for itself: a burst of 401s is one read.
    advance(4_999);
    expect((await tokens.refresh(used)).versionId).toBe(used.versionId);
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('never answers a refused version from a read made before the refusal, however recent', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue().text);
    const tokens = reader(name, { minRefreshIntervalMs: 5_000 });
    const used = await tokens.getToken();
    // The rotator promotes a new token and revokes the old one a second after the app's read.
    const replacement = await putCurrent(client, name, tokenValue().text);
    advance(1_000);

    expect((await tokens.refresh(used)).versionId).toBe(replacement);
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('reads once when a version is first refused, then once per minRefreshIntervalMs while AWSCURRENT keeps it', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue().text);
    const tokens = reader(name, { minRefreshIntervalMs: 5_000 });
    const used = await tokens.getToken();

    const burst = await Promise.all(Array.from({ length: 20 }, () => tokens.refresh(used)));
    expect(new Set(burst.map((t) => t.versionId))).toEqual(new Set([used.versionId]));
    expect(getSecretValueCalls(sandbox())).toBe(2);
    // Replaced after that read: the read answers for the refused version for the rest of the interval.
    const replacement = await putCurrent(client, name, tokenValue().text);
    advance(4_999);
    for (let i = 0; i < 10; i += 1) expect((await tokens.refresh(used)).versionId).toBe(used.versionId);
    expect(getSecretValueCalls(sandbox())).toBe(2);
    advance(1);
    expect((await tokens.refresh(used)).versionId).toBe(replacement);
    expect(getSecretValueCalls(sandbox())).toBe(3);
  });

  it('reads again when the read it joined was sent before the refusal and found the refused version', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue().text);
    // The app's own client, whose answers this test holds back until it lets them through.
    const appClient = secretsManagerClient(sandbox(), 1);
    let held: Promise<void> | undefined;
    appClient.middlewareStack.add(
      (next) => async (args) => {
        const out = await next(args);
        await held;
        return out;
      },
      { step: 'deserialize', name: 'holdAnswer' },
    );
    const tokens = createTokenReader({ secretId: name, client: appClient, clock: sandbox().clock, maxAgeMs: MINUTE });
    const used = await tokens.getToken();
    advance(MINUTE);
    let release = () => {};
    held = new Promise((resolve) => {
      release = resolve;
    });
    // getToken()'s re-read is answered with the old version, but the answer arrives after the 401.
    const reRead = tokens.getToken();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const replacement = await putCurrent(client, name, tokenValue().text);
    const refreshed = tokens.refresh(used);
    held = undefined;
    release();

    expect((await reRead).versionId).toBe(used.versionId);
    expect((await refreshed).versionId).toBe(replacement);
    expect(getSecretValueCalls(sandbox())).toBe(3);
  });

  it('moves a consumer holding the AWSPREVIOUS token to AWSCURRENT', async () => {
    const name = await createSecret(client);
    const old = await putCurrent(client, name, tokenValue().text);
    const current = await putCurrent(client, name, tokenValue().text);

    // A reader that knows AWSCURRENT answers without a read.
    const tokens = reader(name);
    await tokens.getToken();
    const previous = await tokens.getToken({ stage: 'AWSPREVIOUS' });
    expect(previous.versionId).toBe(old);
    expect((await tokens.refresh(previous)).versionId).toBe(current);
    expect(getSecretValueCalls(sandbox())).toBe(2);

    // One that held only the previous token reads AWSCURRENT.
    const other = reader(name);
    const held = await other.getToken({ stage: 'AWSPREVIOUS' });
    expect((await other.refresh(held)).versionId).toBe(current);
    expect(getSecretValueCalls(sandbox())).toBe(4);
  });

  it('reads once for 100 concurrent refreshes, and later callers with the same rejected token get the new one', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue().text);
    const tokens = reader(name);
    const used = await tokens.getToken();
    const replacement = await putCurrent(client, name, tokenValue().text);
    advance(60_000);
    sandbox().aws.server.setLatency(50);

    const fresh = await Promise.all(Array.from({ length: 100 }, () => tokens.refresh(used)));
    expect(new Set(fresh.map((t) => t.versionId))).toEqual(new Set([replacement]));
    expect(getSecretValueCalls(sandbox())).toBe(2);

    advance(60_000);
    expect((await tokens.refresh(used)).versionId).toBe(replacement);
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });

  it('re-reads AWSCURRENT when called without the rejected token', async () => {
    const name = await createSecret(client);
    await putCurrent(client, name, tokenValue().text);
    const tokens = reader(name);
    await tokens.getToken();
    const replacement = await putCurrent(client, name, tokenValue().text);

    expect((await tokens.refresh()).versionId).toBe(replacement);
    expect(getSecretValueCalls(sandbox())).toBe(2);
  });
});

describe('options', () => {
  it('refuses unknown option names, a missing secretId and durations that are not milliseconds', () => {
    const base = { secretId: 'bigcommerce/teststore1/headless' };
    expect(() => createTokenReader({ ...base, maxAgeMS: 1 } as TokenReaderOptions)).toThrow(/unknown option.*maxAgeMS/);
    expect(() => createTokenReader({ secretId: '' })).toThrow(/secretId/);
    for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, '5' as unknown as number])
      expect(() => createTokenReader({ ...base, maxAgeMs: bad })).toThrow(/maxAgeMs/);
    expect(() => createTokenReader({ ...base, maxAgeMs: 0, refreshBeforeExpiryMs: 0 })).not.toThrow();
  });
});
