// The scope sentences shown at consent and in "Apps you allowed".

import { describeScopes } from './scopes';

test('each known scope reads as a sentence, in the order asked', () => {
  expect(describeScopes(['openid', 'profile', 'offline_access'])).toEqual([
    'Your address, as your account there',
    'Your address as your user name',
    'Access while you are away, until you sign out everywhere or remove it',
  ]);
});

test('a scope asked twice is described once', () => {
  expect(describeScopes(['profile', 'openid', 'profile'])).toEqual(['Your address as your user name', 'Your address, as your account there']);
});

test('a scope the page does not know is named as asked', () => {
  expect(describeScopes(['openid', 'email'])).toEqual(['Your address, as your account there', 'Access it calls “email”']);
});

test('a scope named like an object property is not mistaken for a known one', () => {
  expect(describeScopes(['constructor', 'toString'])).toEqual(['Access it calls “constructor”', 'Access it calls “toString”']);
});

test('no scopes, no sentences', () => {
  expect(describeScopes([])).toEqual([]);
});
