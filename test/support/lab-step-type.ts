import { Injectable } from '@nestjs/common';
import { existsSync, writeFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowStepType, type CustomStep, type CustomStepContext } from '../../src';

interface LabStepConfig {
  /** `hang`: the first run hangs (to be killed); `fail`: the first run fails. Later runs return. */
  first: 'hang' | 'fail';
  markFile: string;
}

/** `type: lab_step`: a custom step type of the queue test app, misbehaving once per `markFile`. */
@WorkflowStepType('lab_step')
@Injectable()
export class LabStepType implements CustomStep<LabStepConfig> {
  validate(config: Record<string, unknown>): string[] {
    return [
      ...(config['first'] === 'hang' || config['first'] === 'fail'
        ? []
        : ['"first" must be hang or fail']),
      ...(typeof config['markFile'] === 'string' ? [] : ['"markFile" is required']),
    ];
  }

  async run(config: LabStepConfig, context: CustomStepContext): Promise<unknown> {
    if (!existsSync(config.markFile)) {
      writeFileSync(config.markFile, String(process.pid));
      if (config.first === 'fail') throw new Error('the first attempt fails');
      await delay(120_000);
    }
    return { pid: process.pid, attempt: context.attempt };
  }
}

export const LAB_STEP_WORKFLOWS = [
  {
    id: 'custom_hang',
    name: 'A custom step whose first run hangs',
    inputs: { markFile: { type: 'string' } },
    steps: [
      { id: 'before', type: 'assign', set: { began: true }, next: 'probe' },
      {
        id: 'probe',
        type: 'lab_step',
        first: 'hang',
        markFile: '$markFile',
        output: 'probe',
        next: 'after',
      },
      { id: 'after', type: 'assign', set: { ended: true } },
    ],
  },
  {
    id: 'custom_flaky',
    name: 'A custom step retried after a one-second back-off',
    inputs: { markFile: { type: 'string' } },
    steps: [
      {
        id: 'probe',
        type: 'lab_step',
        first: 'fail',
        markFile: '$markFile',
        retries: 2,
        retry_delay: 1,
        output: 'probe',
      },
    ],
  },
];
