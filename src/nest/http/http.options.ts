import { InvalidOptionError } from '../../core/errors';
import type { CanActivate, ModuleMetadata, Type } from '@nestjs/common';
import type { EventStreamLimits } from './event-streams';

/** The HTTP API and dashboard; opt-in, and known when the module is declared (they are routes). */
export interface WorkflowHttpOptions {
  /** Where the API and the dashboard are mounted. @defaultValue 'workflows' */
  path?: string;
  /**
   * The application's guards, applied to every route of the API and the dashboard. Without one the
   * module logs a warning at start: anyone who reaches the server can start, resume and cancel.
   */
  guards?: (Type<CanActivate> | CanActivate)[];
  /** Serve the dashboard at `/{path}/dashboard`. @defaultValue true */
  dashboard?: boolean;
  /** Modules the guards need providers from (a JwtModule, say). @defaultValue [] */
  imports?: ModuleMetadata['imports'];
  /**
   * Server-sent event streams (`GET /{path}/events`) open at once in this process; one more is
   * refused with 503. @defaultValue 100
   */
  maxEventStreams?: number;
  /**
   * Streams open at once for one principal (`request.user.id` or `.sub`, when the guard sets one).
   * @defaultValue 10
   */
  maxEventStreamsPerPrincipal?: number;
}

export type ResolvedHttpOptions = Required<
  Omit<WorkflowHttpOptions, 'maxEventStreams' | 'maxEventStreamsPerPrincipal'>
> & { eventStreams: EventStreamLimits };

export function resolveHttpOptions(options: WorkflowHttpOptions): ResolvedHttpOptions {
  const path = (options.path ?? 'workflows').replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9._~\-/]+$/.test(path)) {
    throw new InvalidOptionError(
      'http.path',
      `"${options.path}" must be a non-empty path of letters, digits, "-", "_", ".", "~" and "/".`,
    );
  }
  return {
    path,
    guards: options.guards ?? [],
    dashboard: options.dashboard ?? true,
    imports: options.imports ?? [],
    eventStreams: {
      max: positiveWhole('http.maxEventStreams', options.maxEventStreams ?? 100),
      perPrincipal: positiveWhole(
        'http.maxEventStreamsPerPrincipal',
        options.maxEventStreamsPerPrincipal ?? 10,
      ),
    },
  };
}

function positiveWhole(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new InvalidOptionError(name, `must be a whole number of at least 1, got ${value}.`);
  }
  return value;
}
