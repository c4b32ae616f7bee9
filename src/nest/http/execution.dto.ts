import { ApiProperty, ApiPropertyOptional } from './openapi';
import { Type } from 'class-transformer';
import {
  Allow,
  IsBoolean,
  IsIn,
  IsInt,
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Max,
  Min,
} from 'class-validator';
import { EXECUTION_STATUSES, type ExecutionStatus } from '../../core/types';

export class StartExecutionBody {
  @ApiPropertyOptional({
    description: 'The workflow input',
    type: 'object',
    additionalProperties: true,
  })
  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  @ApiPropertyOptional({
    description:
      'Makes the start idempotent: an existing execution with this id is returned as it is',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  executionId?: string;
}

export class ResumeExecutionBody {
  @ApiPropertyOptional({
    description: 'The answer to an approval: true to approve, false to reject',
  })
  @IsOptional()
  @IsBoolean()
  approved?: boolean;

  @ApiPropertyOptional({ description: 'Any JSON value; `$response` in the workflow' })
  @Allow()
  response?: unknown;
}

export class ForkExecutionBody {
  @ApiProperty({ description: 'The step the fork runs on from; the steps before it are reused' })
  @IsString()
  @Length(1, 100)
  fromStep!: string;

  @ApiPropertyOptional({
    description:
      'Makes the fork idempotent: the same fork asked again with this id is returned as it is; an id taken by any other execution is refused',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  executionId?: string;
}

export class RetryFailedBody {
  @ApiProperty({
    description: 'Only failed executions created at or after this moment (ISO 8601)',
    example: '2026-01-31T09:00:00Z',
  })
  @IsISO8601({ strict: true })
  since!: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 10000, default: 1000 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(10000)
  limit?: number;
}

/** The answer of the bulk retry. */
export class RetryFailedResponse {
  @ApiProperty({ type: [String], description: 'The executions put back to run' })
  retried!: string[];

  @ApiProperty({
    description: 'Those that could not be retried, each with why',
    example: [{ executionId: '…', reason: 'Cannot retry execution "…": …' }],
  })
  skipped!: { executionId: string; reason: string }[];
}

export class FindExecutionsQuery {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  workflowId?: string;

  @ApiPropertyOptional({ enum: EXECUTION_STATUSES })
  @IsOptional()
  @IsIn(EXECUTION_STATUSES)
  status?: ExecutionStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;

  @ApiPropertyOptional({
    description: 'The id of the last execution of the previous page: the page after it',
  })
  @IsOptional()
  @IsString()
  before?: string;

  @ApiPropertyOptional({
    description:
      'Values to show beside each summary, comma-separated: input, ctx, result, haltData. With any, limit is at most 100.',
    example: 'input,result',
  })
  @IsOptional()
  @IsString()
  include?: string;
}

/** One row of `GET /{path}/counts`. */
export class ExecutionCountResponse {
  @ApiProperty()
  workflowId!: string;

  @ApiProperty({ enum: EXECUTION_STATUSES })
  status!: string;

  @ApiProperty({ minimum: 1 })
  count!: number;
}

/** The shape of an error response: never a stack trace. */
export class ErrorResponse {
  @ApiProperty({ example: 409 })
  statusCode!: number;

  @ApiProperty({
    example: 'Cannot resume execution "…": it is completed, and resume needs halted.',
  })
  error!: string;

  @ApiPropertyOptional({ type: [String], description: 'Every problem, for invalid input' })
  details?: string[];
}

/** The body of `POST /{path}/events/:name`. */
export class SendEventBody {
  @ApiPropertyOptional({
    description: 'Any JSON value; waits whose match fields it deep-equals receive it',
  })
  @Allow()
  payload?: unknown;

  @ApiPropertyOptional({
    description:
      'Delivers at most once per execution and id: the same id sent again delivers nothing twice',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  id?: string;
}

/** What `POST /{path}/events/:name` answers. */
export class SendEventResponse {
  @ApiProperty({ type: [String], description: 'The executions the event resumed' })
  delivered!: string[];
}
