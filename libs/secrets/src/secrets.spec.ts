import { decryptSecret, encryptSecret, fingerprintSecret, generateEncryptionKey, maskSecret } from './crypto';
import { LOG_REDACT_PATHS, scrubDeep, scrubKnownSecrets, scrubTokens } from './redaction';

describe('secrets crypto', () => {
  it('round-trips AES-256-GCM and refuses tampering, wrong key or wrong context', () => {
    const key = generateEncryptionKey();
    const sealed = encryptSecret('sk-live-secret-value', key, 'openai_api_key:default');
    expect(sealed).not.toContain('sk-live');
    expect(decryptSecret(sealed, key, 'openai_api_key:default')).toBe('sk-live-secret-value');
    expect(() => decryptSecret(sealed, key, 'telegram_bot_token:default')).toThrow();
    expect(() => decryptSecret(sealed, generateEncryptionKey(), 'openai_api_key:default')).toThrow();
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3], 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      decryptSecret(
        [parts[0], parts[1], parts[2], flipped.toString('base64url')].join('.'),
        key,
        'openai_api_key:default',
      ),
    ).toThrow();
    expect(encryptSecret('x', key)).not.toBe(encryptSecret('x', key)); // random IV
  });

  it('fingerprints with a pepper and masks to the last 4 characters', () => {
    const pepper = 'pepper-0123456789abcdef';
    expect(fingerprintSecret('abc', pepper)).toBe(fingerprintSecret('abc', pepper));
    expect(fingerprintSecret('abc', pepper)).not.toBe(fingerprintSecret('abc', `${pepper}x`));
    expect(() => fingerprintSecret('abc', 'short')).toThrow();
    expect(maskSecret('sk-proj-abcdefghijklmnop9Qx2')).toBe('sk-…9Qx2');
    expect(maskSecret('123456789:AAbbccddeeffgghhiijjkkllmmnnoopp')).toBe('…oopp');
    expect(maskSecret('short')).toBe('…');
  });
});

describe('log redaction', () => {
  it('scrubs token shapes inside strings', () => {
    const s = scrubTokens(
      'POST https://api.telegram.org/bot123456789:AAbbccddeeffgghhiijjkkllmmnnoopp_q/sendMessage key=sk-abcdefghijklmnopqrstu Bearer abc.def.ghi-jkl ?token=xyz&a=1 EAAGm0PX4ZCpsBAKZCsdfsdfsdfsdfsdf',
    );
    expect(s).not.toMatch(/AAbbcc|sk-abc|abc\.def|xyz|EAAGm0/);
    expect(s).toContain('/bot[REDACTED]/sendMessage');
    expect(s).toContain('?token=[REDACTED]&a=1');
  });

  it('scrubs exact values no shape knows (every occurrence), then the shapes', () => {
    const token = 'Zq3x_9kLmN0pQrStUvWxYz-AbCdEfGhIjKlMnOpQrS';
    const s = scrubKnownSecrets(`{"enrolmentToken": "${token}"} again ${token} with sk-abcdefghijklmnopqrstu`, [
      '',
      token,
    ]);
    expect(s).toBe('{"enrolmentToken": "[REDACTED]"} again [REDACTED] with [REDACTED]');
  });

  it('scrubs deeply and lists redact paths for pino', () => {
    const out = scrubDeep({ a: { b: ['sk-ant-api03-abcdefghijklmnop'] }, n: 1 });
    expect(out).toEqual({ a: { b: ['[REDACTED]'] }, n: 1 });
    expect(LOG_REDACT_PATHS).toEqual(
      expect.arrayContaining(['authorization', '*.value', 'req.headers.authorization', 'text']),
    );
  });
});
