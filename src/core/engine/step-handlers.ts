import type { StepDefinition, StepType } from '../definition/definition-types';
import { runCall } from '../steps/call-step';
import { runApproval } from '../steps/approval-step';
import { runAssign } from '../steps/assign-step';
import { runEnd } from '../steps/end-step';
import { runHalt } from '../steps/halt-step';
import { runLoop } from '../steps/loop-step';
import { runParallel } from '../steps/parallel-step';
import { runRouter } from '../steps/router-step';
import { runStart } from '../steps/start-step';
import { runTransform } from '../steps/transform-step';
import { runWait } from '../steps/wait-step';
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
