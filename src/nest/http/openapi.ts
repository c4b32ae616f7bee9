import type * as NestSwagger from '@nestjs/swagger';
import { peers } from '../../peers/peers';

/**
 * The OpenAPI decorators of @nestjs/swagger when the application installed it; decorators that
 * leave no trace otherwise, so the API works the same without it, only undescribed.
 */
const swagger = peers.swagger();

type AnyDecorator = ClassDecorator & MethodDecorator & PropertyDecorator;
const inert = (): AnyDecorator => () => undefined;

export const openApiDescribed = swagger !== undefined;
export const ApiBody: typeof NestSwagger.ApiBody = swagger?.ApiBody ?? inert;
export const ApiExcludeController: typeof NestSwagger.ApiExcludeController =
  swagger?.ApiExcludeController ?? inert;
export const ApiNoContentResponse: typeof NestSwagger.ApiNoContentResponse =
  swagger?.ApiNoContentResponse ?? inert;
export const ApiOkResponse: typeof NestSwagger.ApiOkResponse = swagger?.ApiOkResponse ?? inert;
export const ApiOperation: typeof NestSwagger.ApiOperation = swagger?.ApiOperation ?? inert;
export const ApiProperty: typeof NestSwagger.ApiProperty = swagger?.ApiProperty ?? inert;
export const ApiPropertyOptional: typeof NestSwagger.ApiPropertyOptional =
  swagger?.ApiPropertyOptional ?? inert;
export const ApiResponse: typeof NestSwagger.ApiResponse = swagger?.ApiResponse ?? inert;
export const ApiTags: typeof NestSwagger.ApiTags = swagger?.ApiTags ?? inert;
