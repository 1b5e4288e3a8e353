import { parseConfig } from '../../functions/config/schema';
import { InvalidEventError, parseRotationEvent } from '../../functions/rotator/event';
import { storefrontConfig } from '../support/rotator';

const { tokens } = parseConfig(storefrontConfig());

describe('parseRotationEvent', () => {
  it('treats empty, null and scheduled events as "rotate everything due"', () => {
    for (const event of [{}, null, undefined])
      expect(parseRotationEvent(event, 'storefront', tokens)).toMatchObject({
        trigger: 'manual',
        force: false,
        dryRun: false,
        targets: tokens,
      });
    expect(parseRotationEvent({ trigger: 'schedule' }, 'storefront', tokens).trigger).toBe('schedule');
    const envelope = { version: '0', id: 'x', 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} };
    expect(parseRotationEvent(envelope, 'storefront', tokens)).toMatchObject({ trigger: 'schedule', targets: tokens });
  });

  it('selects targets in configuration order', () => {
    const request = parseRotationEvent(
      { targets: ['impersonation', 'headless'], force: true, dryRun: true },
      'storefront',
      tokens,
    );
    expect(request.targets.map((t) => t.id)).toEqual(['headless', 'impersonation']);
    expect(request).toMatchObject({ force: true, dryRun: true });
  });

  it('names every problem', () => {
    expect(() => parseRotationEvent({ targets: ['a', 'b'] }, 'storefront', tokens)).toThrow(
      /unknown token id "a".*unknown token id "b"/,
    );
    expect(() => parseRotationEvent({ force: 1, dryRun: 'no' }, 'storefront', tokens)).toThrow(
      /force must be true or false.*dryRun must be true or false/,
    );
    expect(() => parseRotationEvent([], 'storefront', tokens)).toThrow(InvalidEventError);
  });
});
