import {
  Body,
  Controller,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  UseFilters,
} from '@nestjs/common';
import { ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsNumber, IsPositive, IsString, Length } from 'class-validator';
import {
  WorkflowHttpExceptionFilter,
  WorkflowService,
  type Execution,
} from 'nestjs-durable-workflow';

class RequestRefundDto {
  @ApiProperty({ example: 'A-1001' })
  @IsString()
  @Length(1, 50)
  order!: string;

  @ApiProperty({ example: 42 })
  @IsNumber()
  @IsPositive()
  amount!: number;
}

class DecisionDto {
  @ApiProperty()
  @IsBoolean()
  approved!: boolean;
}

/**
 * The application's own endpoints, built on WorkflowService. In this web process `start` and
 * `resume` only enqueue: the worker process runs the steps. The module's filter turns its errors
 * into statuses here too (an unknown execution 404, a decision on a finished refund 409).
 */
@ApiTags('refunds')
@Controller('refunds')
@UseFilters(WorkflowHttpExceptionFilter)
export class RefundsController {
  constructor(private readonly workflows: WorkflowService) {}

  @Post()
  @HttpCode(202)
  async request(@Body() body: RequestRefundDto) {
    const execution = await this.workflows.start('refund', {
      order: body.order,
      amount: body.amount,
    });
    return view(execution);
  }

  @Get(':id')
  async show(@Param('id', ParseUUIDPipe) id: string) {
    const execution = await this.workflows.get(id);
    if (!execution) throw new NotFoundException(`No refund ${id}`);
    return view(execution);
  }

  @Post(':id/decision')
  @HttpCode(202)
  async decide(@Param('id', ParseUUIDPipe) id: string, @Body() body: DecisionDto) {
    return view(await this.workflows.resume(id, { approved: body.approved }));
  }
}

function view(execution: Execution) {
  return {
    id: execution.id,
    status: execution.status,
    step: execution.currentStep,
    waitingFor: execution.haltData?.type ?? null,
    result: execution.result,
  };
}
