import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { WorkflowHealthIndicator } from '../src';

/** `GET /health`: 200 when the store, the queue and a worker answer; 503 naming what does not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly workflows: WorkflowHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([() => this.workflows.isHealthy('workflows')]);
  }
}
