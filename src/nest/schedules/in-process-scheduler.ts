import type { Logger } from '@nestjs/common';
import { nextTick } from '../../core/schedule/cron-ticks';
import type { ScheduleClock } from '../../core/schedule/schedule-clock';
import type { ScheduledWorkflow, ScheduleTicks } from './schedule-ticks';

/**
 * Schedules in process: one timer per scheduled workflow, armed for its next tick on the clock
 * and again after each. At start, the latest tick missed while no process ran is run once.
 */
export class InProcessScheduler {
  private readonly cancels = new Map<string, () => void>();
  private stopped = false;

  constructor(
    private readonly ticks: ScheduleTicks,
    private readonly clock: ScheduleClock,
    private readonly logger: Logger,
    /** Told of each tick's start in flight, so shutdown and a test clock can wait for it. */
    private readonly track: (work: Promise<void>) => void = () => undefined,
  ) {}

  async start(): Promise<void> {
    for (const workflow of this.ticks.scheduled()) {
      await this.ticks.catchUp(workflow, this.clock.now());
      this.arm(workflow, this.clock.now());
    }
  }

  stop(): void {
    this.stopped = true;
    for (const cancel of this.cancels.values()) cancel();
    this.cancels.clear();
  }

  private arm(workflow: ScheduledWorkflow, after: Date): void {
    if (this.stopped) return;
    const tick = nextTick(workflow.schedule, after);
    this.cancels.set(
      workflow.id,
      this.clock.at(tick, () => {
        this.arm(workflow, tick);
        const work = this.ticks.fire(workflow, tick).then(
          () => undefined,
          (error: unknown) => {
            this.logger.error(
              `Schedule of workflow "${workflow.id}": the tick of ${tick.toISOString()} failed to start: ${error instanceof Error ? error.message : String(error)}`,
            );
          },
        );
        this.track(work);
        return work;
      }),
    );
  }
}
