import { InvalidOptionError } from '../core/errors';

/** A length of time: milliseconds, or text such as `'2d'`, `'3h'`, `'1h30m'`, `'500ms'`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** The duration in milliseconds; anything else than a finite amount of time at least 0 is refused. */
export function durationMs(duration: Duration, option = 'advance()'): number {
  if (typeof duration === 'number') {
    if (Number.isFinite(duration) && duration >= 0) return duration;
    throw new InvalidOptionError(
      option,
      `needs a number of milliseconds of at least 0, got ${duration}.`,
    );
  }
  const text = duration.replace(/\s+/g, '');
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) break;
    total += Number(match[1]) * UNIT_MS[match[2]];
  }
  if (text.length === 0 || PART.lastIndex !== text.length) {
    throw new InvalidOptionError(
      option,
      `needs milliseconds or a duration such as '2d', '3h', '1h30m', '45s' or '500ms' (units ms, s, m, h, d, w), got '${duration}'.`,
    );
  }
  return total;
}
