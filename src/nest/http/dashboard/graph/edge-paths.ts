import type { PlacedEdge } from './graph-layout';

export type Point = { x: number; y: number };

export function sideLabel(a: Point, b: Point): Pick<PlacedEdge, 'labelAt' | 'labelAnchor'> {
  const middle = { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 + 4 };
  return b.x < a.x - 1
    ? { labelAt: { x: middle.x - 5, y: middle.y }, labelAnchor: 'end' }
    : { labelAt: { x: middle.x + 5, y: middle.y }, labelAnchor: 'start' };
}

export function forwardPath(points: Point[]): string {
  let d = `M${n(points[0].x)},${n(points[0].y)}`;
  for (let i = 1; i < points.length; i++) {
    const [a, b] = [points[i - 1], points[i]];
    // Odd segments run between layers (curved); even ones run straight through a layer.
    if (i % 2 === 1) {
      const mid = (a.y + b.y) / 2;
      d += ` C${n(a.x)},${n(mid)} ${n(b.x)},${n(mid)} ${n(b.x)},${n(b.y)}`;
    } else d += ` L${n(b.x)},${n(b.y)}`;
  }
  return d;
}

/** A polyline with its corners rounded. */
export function roundedPath(points: Point[]): string {
  let d = `M${n(points[0].x)},${n(points[0].y)}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, corner, b] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(6, distance(a, corner) / 2, distance(corner, b) / 2);
    const before = towards(corner, a, r);
    const after = towards(corner, b, r);
    d += ` L${n(before.x)},${n(before.y)} Q${n(corner.x)},${n(corner.y)} ${n(after.x)},${n(after.y)}`;
  }
  const last = points[points.length - 1];
  return `${d} L${n(last.x)},${n(last.y)}`;
}

function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

function towards(from: Point, to: Point, length: number): Point {
  const d = distance(from, to) || 1;
  return { x: from.x + ((to.x - from.x) / d) * length, y: from.y + ((to.y - from.y) / d) * length };
}

/** Coordinates with one decimal: short markup, no exponents. */
export function n(value: number): string {
  return String(Math.round(value * 10) / 10);
}
