import type { StepDefinition, StepType } from '../definition/definition-types';
import { approvalStep } from './approval-step';
import { assignStep } from './assign-step';
import { callStep } from './call-step';
import { customStep } from './custom-step';
import { endStep } from './end-step';
import { eventStep } from './event-step';
import { haltStep } from './halt-step';
import { loopStep } from './loop-step';
import { parallelStep } from './parallel-step';
import { routerStep } from './router-step';
import { startStep } from './start-step';
import type { StepHandler } from './step-handler';
import { transformStep } from './transform-step';
import { waitStep } from './wait-step';
import { workflowStep } from './workflow-step';

const HANDLERS: { [T in StepType]: StepHandler<Extract<StepDefinition, { type: T }>> } = {
  start: startStep,
  end: endStep,
  assign: assignStep,
  call: callStep,
  router: routerStep,
  loop: loopStep,
  parallel: parallelStep,
  transform: transformStep,
  halt: haltStep,
  approval: approvalStep,
  workflow: workflowStep,
  wait: waitStep,
  event: eventStep,
};

/** The handler that owns everything a step of this type does. */
export function stepHandler(step: StepDefinition): StepHandler {
  if (step.type === 'custom') return customStep as StepHandler;
  return HANDLERS[step.type] as StepHandler;
}
