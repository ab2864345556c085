// Relative times in the session list: whole units, rounded down, and "just now" for anything under
// a minute or ahead of the page's clock (the server's and the device's clocks can differ).

import { formatTimeAgo } from './format';

const NOW = Date.UTC(2026, 0, 8, 12, 0, 0);
const MINUTE = 60_000;

test.each([
  [0, 'just now'],
  [59_999, 'just now'],
  [MINUTE, '1 minute ago'],
  [5 * MINUTE + 59_999, '5 minutes ago'],
  [60 * MINUTE, '1 hour ago'],
  [3 * 60 * MINUTE + 59 * MINUTE, '3 hours ago'],
  [24 * 60 * MINUTE, '1 day ago'],
  [6 * 24 * 60 * MINUTE, '6 days ago'],
])('%i ms ago reads "%s"', (elapsed, text) => {
  expect(formatTimeAgo(NOW - elapsed, NOW)).toBe(text);
});

test('a time ahead of the page clock reads "just now", never "in 2 minutes"', () => {
  expect(formatTimeAgo(NOW + 2 * MINUTE, NOW)).toBe('just now');
});
