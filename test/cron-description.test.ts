/** describeCron: which crons get words, and that the words are true of when the cron fires. */
import { describeCron } from '../src/schedule/cron-description';

test.each([
  ['0 */3 * * *', 'every 3 hours from 00:00 JST', '0時起点で3時間ごと（JST）'],
  ['0 0/6 * * *', 'every 6 hours from 00:00 JST', '0時起点で6時間ごと（JST）'],
  ['0 */24 * * *', 'every 24 hours from 00:00 JST', '0時起点で24時間ごと（JST）'],
  ['0 * * * *', 'every hour on the hour (JST)', '毎時0分（JST）'],
  ['30 7 * * *', 'every day at 07:30 JST', '毎日07:30（JST）'],
])('%s in Asia/Tokyo → "%s"', (cron, en, ja) => {
  expect(describeCron(cron, 'Asia/Tokyo')).toEqual({ en, ja });
});

// */5 fires at 00, 05, …, 20 and then 00 again four hours later; */25 only at 00:00.
test.each(['0 */5 * * *', '0 */7 * * *', '0 */25 * * *', '0 */0 * * *', '0 */3 1 * *'])(
  '%s is said literally, not as "every N hours"',
  (cron) => {
    expect(describeCron(cron, 'Europe/Berlin')).toEqual({
      en: `cron "${cron}" in Europe/Berlin`,
      ja: `cron「${cron}」（Europe/Berlin）`,
    });
  },
);
