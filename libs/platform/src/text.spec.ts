import { humanText, humanTextOrNull } from './text';

describe('humanText: the one schema for text people write in the control plane', () => {
  const name = humanText({ max: 10 });
  const instructions = humanText({ max: 20, min: 0, multiline: true });

  it('normalises to NFC and trims one-line text; length counts after normalisation', () => {
    expect(name.parse('  Cafe\u0301 ')).toBe('Caf\u00e9');
    expect(name.parse('e\u0301'.repeat(10))).toBe('\u00e9'.repeat(10));
    expect(instructions.parse(' Line\u0301\n\tnext\r\n')).toBe(' Lin\u00e9\n\tnext\r\n');
    expect(instructions.parse('')).toBe('');
  });

  it('accepts any script, emoji and marks', () => {
    for (const text of ['Grüße', 'مرحبا \u200f', 'こんにちは', '👋🏽 Hi'])
      expect(name.safeParse(text).success).toBe(true);
  });

  it('refuses control characters (line breaks and tabs on one line), lone surrogates, blanks and over-long text', () => {
    for (const text of [
      'a\u0000b',
      'a\u0007',
      'a\u007f',
      'a\nb',
      'a\tb',
      'x\ud800',
      '\udc00x',
      '   ',
      '',
      'n'.repeat(11),
    ])
      expect(name.safeParse(text).success).toBe(false);
    for (const text of ['a\u0000b', 'a\u001b[0m', 'x\ud83d', 'n'.repeat(21)])
      expect(instructions.safeParse(text).success).toBe(false);
  });

  it('humanTextOrNull: the normalised value, or null where humanText refuses', () => {
    expect(humanTextOrNull(' Ade\u0300le ', { max: 10 })).toBe('Ad\u00e8le');
    expect(humanTextOrNull('Ada\u0000', { max: 10 })).toBeNull();
    expect(humanTextOrNull(null, { max: 10 })).toBeNull();
    expect(humanTextOrNull(undefined, { max: 10 })).toBeNull();
  });
});
