import { loadPeer } from '../../peers/load-peer';
import type { ResolvedHttpOptions } from './http.options';

type HttpLayer = typeof import('./http-layer');

/**
 * Loads the HTTP layer when `http` is set, and only then: its request bodies are validated with
 * class-validator and class-transformer, which applications without the API need not install.
 */
export function loadHttpLayer(options: ResolvedHttpOptions): ReturnType<HttpLayer['httpLayer']> {
  loadPeer<unknown>('The `http` option', 'class-validator', 'class-transformer');
  const { httpLayer } = require('./http-layer') as HttpLayer;
  return httpLayer(options);
}
