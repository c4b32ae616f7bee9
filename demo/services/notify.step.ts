import { Injectable } from '@nestjs/common';
import { WorkflowStepType, type CustomStep, type CustomStepContext } from '../../src';
import { Outbox } from './outbox';

interface NotifyConfig {
  to: string;
  subject: string;
  body: string;
}

const KEYS = ['to', 'subject', 'body'];

/**
 * `type: notify` in the demo's workflows: a step type of the application's own, with `to`,
 * `subject` and `body` keys, that puts a message in the outbox (a real one would hand it to a mail
 * provider).
 */
@WorkflowStepType('notify')
@Injectable()
export class NotifyStep implements CustomStep<NotifyConfig> {
  constructor(private readonly outbox: Outbox) {}

  validate(config: Record<string, unknown>): string[] {
    const problems = KEYS.filter((key) => typeof config[key] !== 'string' || !config[key]).map(
      (key) => `"${key}" is required and must be a non-empty string`,
    );
    for (const key of Object.keys(config)) {
      if (!KEYS.includes(key)) problems.push(`unknown key "${key}" (allowed: ${KEYS.join(', ')})`);
    }
    return problems;
  }

  async run(config: NotifyConfig, context: CustomStepContext): Promise<unknown> {
    this.outbox.sent.push({ to: config.to, subject: config.subject, body: config.body });
    return { sent: true, to: config.to, execution: context.executionId };
  }
}
