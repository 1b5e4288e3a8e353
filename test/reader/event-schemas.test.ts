import { eventDetailValidator } from './event-schemas';

const validate = eventDetailValidator();

const ids = {
  tokenId: 'headless-storefront',
  storeHash: 'abc123xyz',
  family: 'storefront-private',
  secretName: 'bigcommerce/abc123xyz/headless-storefront',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:bigcommerce/abc123xyz/headless-storefront-AbCdEf',
};

/** One detail of each type, shaped as functions/rotation/rotate-token.ts publishes it. */
const samples = {
  'Token Rotated': {
    ...ids,
    versionId: '0b7e6c1e-5d1f-4c55-9f0e-2f1a3c4d5e6f',
    expiresAt: '2026-11-28T12:00:00.000Z',
    mintedAt: '2026-11-21T12:00:00.123Z',
    resumed: false,
    trigger: 'schedule',
  },
  'Token Rotation Failed': {
    ...ids,
    step: 'mint',
    error: {
      step: 'mint',
      code: 'BigCommerceApiError',
      httpStatus: 403,
      endpoint: 'POST /v3/storefront/api-token-private',
      title: 'You do not have permission to create storefront tokens',
      hint: "BigCommerce refused the call: the store's API account lacks a permission",
    },
    currentVersionId: null,
    currentExpiresAt: null,
    trigger: 'manual',
  },
  'Stale Token Revoked': {
    ...ids,
    family: 'b2b-backend',
    revoked: 'bctr/k3x9q/b2b-erp-sync/261121120000 (id 42)',
    versionId: null,
    trigger: 'schedule',
  },
} as const;

describe('event detail schemas (schemas/*.schema.json)', () => {
  it.each(Object.entries(samples))('accept a %s detail as the rotator publishes it', (detailType, detail) => {
    expect(validate(detailType, detail)).toEqual([]);
  });

  it('accept the optional and nullable forms: an error without BigCommerce facts, a secret not yet described', () => {
    const failed = samples['Token Rotation Failed'];
    const facts = {
      step: 'credentials',
      code: 'CredentialsError',
      secretName: 'bigcommerce/abc/api',
      detail: 'x',
      hint: 'y',
    };
    expect(
      validate('Token Rotation Failed', { ...failed, secretArn: null, step: 'credentials', error: facts }),
    ).toEqual([]);
    expect(
      validate('Token Rotation Failed', {
        ...failed,
        currentVersionId: 'v1',
        currentExpiresAt: '2026-11-28T12:00:00.000Z',
      }),
    ).toEqual([]);
    expect(validate('Token Rotated', { ...samples['Token Rotated'], expiresAt: null, resumed: true })).toEqual([]);
  });

  it.each(Object.entries(samples))(
    'refuse a %s detail with an extra field, a wrong type or a missing one',
    (type, detail) => {
      expect(validate(type, { ...detail, token: 'eyJ...' })).toEqual(['/ must NOT have additional properties (token)']);
      expect(validate(type, { ...detail, trigger: 1 })).toEqual([
        expect.stringContaining('/trigger must be equal to one of the allowed values'),
      ]);
      const { tokenId: _, ...missing } = detail;
      expect(validate(type, missing)).toEqual(["/ must have required property 'tokenId'"]);
      expect(validate(type, { ...detail, storeHash: 42 })).toEqual(
        expect.arrayContaining(['/storeHash must be string']),
      );
    },
  );

  it('refuse drift inside the details: an extra error fact, an unknown step, a date that is not ISO-8601', () => {
    const failed = samples['Token Rotation Failed'];
    expect(validate('Token Rotation Failed', { ...failed, error: { ...failed.error, body: 'raw text' } })).toEqual([
      '/error must NOT have additional properties (body)',
    ]);
    expect(validate('Token Rotation Failed', { ...failed, step: 'decide' })).toEqual([
      '/step must be equal to one of the allowed values',
    ]);
    expect(validate('Token Rotation Failed', { ...failed, error: { ...failed.error, httpStatus: '403' } })).toEqual([
      '/error/httpStatus must be integer',
    ]);
    expect(validate('Token Rotated', { ...samples['Token Rotated'], mintedAt: 'Saturday' })).toEqual([
      '/mintedAt must match format "date-time"',
    ]);
    expect(validate('Token Rotated', { ...samples['Token Rotated'], resumed: 'false' })).toEqual([
      '/resumed must be boolean',
    ]);
    expect(validate('Token Rotated (v2)', samples['Token Rotated'])).toEqual([
      'no schema for detail-type "Token Rotated (v2)"',
    ]);
  });
});
