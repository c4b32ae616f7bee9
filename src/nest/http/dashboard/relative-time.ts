import { html, type SafeHtml } from './html';

const UNITS: [limitSeconds: number, seconds: number, name: string][] = [
  [60, 1, 's'],
  [3600, 60, 'min'],
  [86400, 3600, 'h'],
  [Infinity, 86400, 'd'],
];

/**
 * "3 min ago" or "in 2 d", from the server's clock. The dashboard's script recomputes the same
 * text every few seconds from `datetime` (keep `relativeText` there in step with this one).
 */
export function relativeText(at: Date, now: Date): string {
  const delta = Math.round((at.getTime() - now.getTime()) / 1000);
  const abs = Math.abs(delta);
  if (abs < 5) return 'just now';
  const [, seconds, name] = UNITS.find(([limit]) => abs < limit) as (typeof UNITS)[number];
  const count = Math.floor(abs / seconds);
  return delta < 0 ? `${count} ${name} ago` : `in ${count} ${name}`;
}

/** A moment shown relative to now, the exact UTC time on hover. */
export function timeAgo(at: Date | string | null | undefined, now = new Date()): SafeHtml | string {
  if (at === null || at === undefined) return '';
  const date = typeof at === 'string' ? new Date(at) : at;
  if (Number.isNaN(date.getTime())) return String(at);
  const exact = date.toISOString();
  return html`<time datetime="${exact}" title="${exact.replace('T', ' ').replace('Z', ' UTC')}"
    >${relativeText(date, now)}</time
  >`;
}

/** A duration for people: "850 ms", "4.2 s", "3 min 5 s". */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
