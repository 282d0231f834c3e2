import * as z from 'zod/mini';

/** Longest message a person may send in one go: Telegram's limit, the tightest of our channels. */
export const MAX_MESSAGE_TEXT = 4096;

/** True for control characters other than tab, line feed and carriage return. */
function isForbiddenControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0x7f;
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** Well-formed UTF-16 (a lone surrogate cannot be stored or sent as UTF-8) without forbidden controls. */
function isCleanText(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (isForbiddenControl(code) || isLowSurrogate(code)) return false;
    if (isHighSurrogate(code)) {
      if (!isLowSurrogate(value.charCodeAt(i + 1))) return false;
      i++;
    }
  }
  return true;
}

/**
 * The one schema for text a person writes (replies, notes, saved replies): not blank, within
 * the channel limit, well-formed Unicode, no control characters but tab and line breaks.
 */
export function userText(max: number = MAX_MESSAGE_TEXT) {
  return z.string().check(
    z.refine((value) => value.trim().length > 0, 'must not be blank'),
    z.maxLength(max),
    z.refine(isCleanText, 'must be well-formed Unicode without control characters'),
  );
}
