import { type CryptoKey, exportJWK, generateKeyPair, importJWK, importSPKI, type JWK, jwtVerify, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';

/** Apple's issuer and the audience of every client secret, whatever host the stand-in answers on. */
export const APPLE_ISSUER = 'https://appleid.apple.com';

/** A Services ID (the OAuth client) and the team key its client secrets are signed with. */
export interface AppleClient {
  readonly clientId: string;
  readonly teamId: string;
  readonly keyId: string;
  /** The public half of the team's Sign in with Apple key (ES256, P-256): SPKI PEM or JWK. */
  readonly publicKey: string | JWK;
  /** Registered return URLs; empty accepts any http(s) URL (Apple requires registered https ones). */
  readonly redirectUris?: readonly string[];
}

/** Apple's id_token signing key (RS256, published at /auth/keys); a fresh one per stand-in. */
export class AppleSigningKey {
  private constructor(
    private readonly privateKey: CryptoKey,
    readonly jwk: JWK,
  ) {}

  static async create(): Promise<AppleSigningKey> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = {
      ...(await exportJWK(publicKey)),
      kid: randomBytes(5).toString('hex').toUpperCase(),
      use: 'sig',
      alg: 'RS256',
    };
    return new AppleSigningKey(privateKey, jwk);
  }

  idToken(claims: Record<string, unknown>, audience: string, subject: string): Promise<string> {
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: this.jwk.kid! })
      .setIssuer(APPLE_ISSUER)
      .setAudience(audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(this.privateKey);
  }
}

/** Client secrets may live at most six months (Apple: exp no more than 15777000 s after iat). */
const MAX_SECRET_LIFETIME_S = 15_777_000;

/**
 * Verifies a client secret the way Apple's token endpoint does: an ES256 JWT whose header names
 * the team key (`kid`), signed by it, with iss = team id, sub = client id,
 * aud = https://appleid.apple.com, not expired, and no longer-lived than six months.
 */
export async function verifyClientSecret(client: AppleClient, secret: string): Promise<boolean> {
  try {
    const key =
      typeof client.publicKey === 'string'
        ? await importSPKI(client.publicKey, 'ES256')
        : await importJWK(client.publicKey, 'ES256');
    const { payload, protectedHeader } = await jwtVerify(secret, key, {
      algorithms: ['ES256'],
      issuer: client.teamId,
      subject: client.clientId,
      audience: APPLE_ISSUER,
      requiredClaims: ['iat', 'exp'],
    });
    return protectedHeader.kid === client.keyId && payload.exp! - payload.iat! <= MAX_SECRET_LIFETIME_S;
  } catch {
    return false;
  }
}
