/** A human description of the schedule in English and Japanese, for operators. */
export interface CronDescription {
  en: string;
  ja: string;
}

const ZONE_LABELS: Record<string, string> = { 'Asia/Tokyo': 'JST', UTC: 'UTC', 'Etc/UTC': 'UTC' };

function pad(value: string): string {
  return value.padStart(2, '0');
}

/**
 * Describes the cron shapes this product offers (every N hours from 00:00, once a day at a time)
 * in words, and any other cron literally. Temporal remains the only cron parser.
 */
export function describeCron(cron: string, timezone: string): CronDescription {
  const zone = ZONE_LABELS[timezone] ?? timezone;
  const fields = cron.trim().split(/\s+/);
  if (fields.length === 5 && fields.slice(2).every((field) => field === '*')) {
    const [minute, hour] = fields;
    const everyHours = /^(?:0|\*)\/(\d+)$/.exec(hour);
    // Only a step that divides 24 repeats evenly: */5 fires at 20:00, then 00:00 four hours
    // later; */25 only at 00:00. Those are said literally.
    const hours = everyHours ? Number(everyHours[1]) : 0;
    if (minute === '0' && hours >= 1 && 24 % hours === 0) {
      return {
        en: `every ${hours} hour${hours === 1 ? '' : 's'} from 00:00 ${zone}`,
        ja: `0時起点で${hours}時間ごと（${zone}）`,
      };
    }
    if (minute === '0' && hour === '*') {
      return { en: `every hour on the hour (${zone})`, ja: `毎時0分（${zone}）` };
    }
    if (/^\d{1,2}$/.test(minute) && /^\d{1,2}$/.test(hour)) {
      const time = `${pad(hour)}:${pad(minute)}`;
      return { en: `every day at ${time} ${zone}`, ja: `毎日${time}（${zone}）` };
    }
  }
  return { en: `cron "${cron}" in ${timezone}`, ja: `cron「${cron}」（${timezone}）` };
}
