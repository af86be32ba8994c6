import { BadRequestException } from '@nestjs/common';

/** The spec fields Temporal may refuse in a PATCH. */
export const SpecField = { Cron: 'cron', Timezone: 'timezone' } as const;
export type SpecField = (typeof SpecField)[keyof typeof SpecField];

// Temporal (Go) says "unknown time zone X" for a zone, and names the cron part otherwise
// ("Minute is not in range [0-59]"). Anything else cannot be pinned on one field.
const ZONE_WORDS = /time ?zone|location/i;
const CRON_WORDS = /cron|minute|hour|day|month|week|year|second|range|step|calendar|expression/i;

/** Which field(s) a refusal is about, read from Temporal's message. */
export function refusedFields(message: string): SpecField[] {
  if (ZONE_WORDS.test(message)) return [SpecField.Timezone];
  if (CRON_WORDS.test(message)) return [SpecField.Cron];
  return [SpecField.Cron, SpecField.Timezone];
}

/** Intl's spelling of a zone it accepts (it ignores case; Temporal does not). */
function canonicalZone(timezone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: timezone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** A 400 that names the refused field(s), quotes Temporal, and says what to change. */
export function specRefusal(
  spec: { cron: string; timezone: string },
  temporalMessage: string,
): BadRequestException {
  const fields = refusedFields(temporalMessage);
  const named = fields.map((field) => `${field} "${spec[field]}"`).join(' or ');
  const hints: string[] = [];
  if (fields.includes(SpecField.Timezone)) {
    const canonical = canonicalZone(spec.timezone);
    hints.push(
      canonical && canonical !== spec.timezone
        ? `write the zone as the tz database does, e.g. "${canonical}" (names are case-sensitive)`
        : 'use an IANA zone name as the tz database spells it, e.g. "Asia/Tokyo"',
    );
  }
  if (fields.includes(SpecField.Cron)) {
    hints.push('use a five-field cron (minute hour day month weekday), e.g. "0 */3 * * *"');
  }
  const which = fields.length > 1 ? ' (Temporal did not say which)' : '';
  return new BadRequestException(
    `${named} was refused by Temporal${which}: ${temporalMessage}; ${hints.join('; ')}`,
  );
}
