// The page's one table of error sentences: every code the API can answer has its own sentence,
// and anything else gets the generic one, never the code or raw JSON.

import { API_ERROR_CODES } from '@wallet-login/contract';
import { AppError, describeError, ERROR_SENTENCES, GENERIC_SENTENCE } from './errors';

test.each(API_ERROR_CODES)('the API code %s has a sentence of its own', (code) => {
  const sentence = ERROR_SENTENCES[code];
  expect(sentence).toMatch(/^[A-Z].*[.]$/);
  expect(sentence).not.toBe(GENERIC_SENTENCE);
  expect(sentence).not.toContain(code);
  expect(describeError(new AppError(code))).toBe(sentence);
});

test('an expired challenge reads as the issue asks', () => {
  expect(describeError(new AppError('challenge_expired'))).toBe('The sign-in request expired — try again.');
});

test('unknown codes and foreign errors get the generic sentence', () => {
  expect(describeError(new AppError('something_new'))).toBe(GENERIC_SENTENCE);
  expect(describeError(new Error('{"error":{"code":"x"}}'))).toBe(GENERIC_SENTENCE);
  expect(describeError(undefined)).toBe(GENERIC_SENTENCE);
});
