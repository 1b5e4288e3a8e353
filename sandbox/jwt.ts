import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * HS256 JWTs for every token the sandbox issues, so tokens look like BigCommerce's (three base64url
 * parts whose payload a client can decode) and cannot be forged by a client that guesses the shape.
 */
export class JwtSigner {
  constructor(private readonly secret: Buffer = randomBytes(32)) {}

  sign(payload: Record<string, unknown>): string {
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = base64url(JSON.stringify(payload));
    return `${header}.${body}.${this.signature(`${header}.${body}`)}`;
  }

  /** The payload when the token is well formed and was signed here; otherwise undefined. */
  verify(token: string): Record<string, unknown> | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    const [header, body, signature] = parts as [string, string, string];
    const expected = Buffer.from(this.signature(`${header}.${body}`));
    const given = Buffer.from(signature);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    try {
      const payload: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      return payload !== null && typeof payload === 'object' && !Array.isArray(payload)
        ? (payload as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }

  private signature(input: string): string {
    return createHmac('sha256', this.secret).update(input).digest('base64url');
  }
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}
