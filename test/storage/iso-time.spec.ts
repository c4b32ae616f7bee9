import fc from 'fast-check';
import { isoTime } from '../../src/storage/iso-time';

describe('isoTime', () => {
  it('writes what toISOString writes, for any time of any day', () => {
    fc.assert(
      // Mostly four-digit years, the form kept by the day; the longer years beside them.
      fc.property(
        fc.oneof(
          fc.integer({ min: -62167219200000, max: 253402300799999 }),
          fc.integer({ min: -8.64e15, max: 8.64e15 }),
        ),
        (ms) => {
          const date = new Date(ms);
          expect(isoTime(date)).toBe(date.toISOString());
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('writes the edges of a day and of the four-digit years as toISOString does', () => {
    const edges = [
      0,
      -1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999),
      Date.UTC(2024, 2, 1),
      253402300799999,
      253402300800000,
      -62167219200000,
      -62167219200001,
    ];
    for (const ms of edges) {
      // Each twice: once formatting the day, once from the day kept.
      for (const date of [new Date(ms), new Date(ms)]) {
        expect(isoTime(date)).toBe(date.toISOString());
      }
    }
  });

  it('refuses an invalid date as toISOString does', () => {
    expect(() => isoTime(new Date(Number.NaN))).toThrow(RangeError);
  });
});
