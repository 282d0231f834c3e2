import { MAX_MESSAGE_TEXT, userText } from './text';

describe('userText: the one schema for text people write', () => {
  const schema = userText();

  it('accepts ordinary text in any script, with emoji, line breaks and RTL marks', () => {
    for (const text of ['Hello', 'Grüße\nzweite Zeile', 'مرحبا \u200f بك', 'こんにちは 👋🏽', 'a\tb']) {
      expect(schema.safeParse(text).success).toBe(true);
    }
  });

  it('refuses blank text, control characters, lone surrogates and text over the channel limit', () => {
    for (const text of [
      '',
      '   \n',
      'a\u0000b',
      'bell\u0007',
      'del\u007f',
      'x\ud800',
      '\udc00x',
      'a'.repeat(MAX_MESSAGE_TEXT + 1),
    ]) {
      expect(schema.safeParse(text).success).toBe(false);
    }
    expect(schema.safeParse(42).success).toBe(false);
  });
});
