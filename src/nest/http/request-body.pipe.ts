import {
  Injectable,
  UnprocessableEntityException,
  ValidationPipe,
  type ArgumentMetadata,
  type PipeTransform,
} from '@nestjs/common';
import { isPlainObject } from '../../core/runtime/references';
import { jsonBodyProblem } from './json-body-shape';

/**
 * Checks a request body, then validates its envelope with class-validator while the JSON values the
 * workflow receives (`input`, `response`) are kept aside exactly as sent: class-transformer would
 * drop keys such as `toString` or `valueOf` from them, and fail on a key named `constructor`.
 * A reserved key or JSON nested too deep is a 422 naming the path, before anything recurses into it.
 */
@Injectable()
export class RequestBodyPipe implements PipeTransform {
  /** Bodies are exact: an unknown field is a mistake worth a 400. */
  private readonly envelope = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
  });

  constructor(private readonly jsonFields: readonly string[]) {}

  async transform(body: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const problem = jsonBodyProblem(body);
    if (problem) throw new UnprocessableEntityException(problem);
    if (!isPlainObject(body)) return this.envelope.transform(body, metadata);
    const kept: Record<string, unknown> = {};
    const stand: Record<string, unknown> = { ...body };
    for (const field of this.jsonFields) {
      const value = body[field];
      if (typeof value !== 'object' || value === null) continue;
      kept[field] = value;
      // An empty value of the same kind, so the envelope's own checks (IsObject) still apply.
      stand[field] = Array.isArray(value) ? [] : {};
    }
    const validated = (await this.envelope.transform(stand, metadata)) as Record<string, unknown>;
    return Object.assign(validated, kept);
  }
}
