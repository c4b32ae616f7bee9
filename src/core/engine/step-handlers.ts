import type { StepDefinition, StepType } from '../definition/definition-types';
import { runCall } from '../steps/call-step';
import { runApproval, runHalt, runWait } from '../steps/halting-steps';
import { runLoop } from '../steps/loop-step';
import { runParallel } from '../steps/parallel-step';
import { runAssign, runEnd, runRouter, runStart, runTransform } from '../steps/simple-steps';
import { runSubWorkflow } from '../steps/workflow-step';
import type { StepContext, StepHandler, StepOutcome } from './step-context';

const HANDLERS: { [T in StepType]: StepHandler<Extract<StepDefinition, { type: T }>> } = {
  start: runStart,
  end: runEnd,
  assign: runAssign,
  call: runCall,
  router: runRouter,
  loop: runLoop,
  parallel: runParallel,
  transform: runTransform,
  halt: runHalt,
  approval: runApproval,
  workflow: runSubWorkflow,
  wait: runWait,
};

export function runStep(step: StepDefinition, context: StepContext): Promise<StepOutcome> {
  return (HANDLERS[step.type] as StepHandler)(step, context);
}
