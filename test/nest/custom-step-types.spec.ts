import { Injectable, type Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DurableWorkflowModule,
  StepTypeRegistrationError,
  WorkflowService,
  WorkflowStepType,
  WorkflowValidationError,
  type CustomStep,
  type CustomStepContext,
} from '../../src';
import { executionDetail } from '../../src/nest/http/dashboard/dashboard-pages';
import { appTypeorm } from '../support/typeorm-app';

/** An ordinary provider the step type depends on: custom steps get Nest's DI like any provider. */
@Injectable()
class PriceList {
  priceOf(sku: string): number {
    return sku === 'FREE' ? -1 : 9.5;
  }
}

@WorkflowStepType('price')
@Injectable()
class PriceStep implements CustomStep<{ sku: string }> {
  constructor(private readonly prices: PriceList) {}

  validate(config: Record<string, unknown>): string[] {
    return typeof config['sku'] === 'string' ? [] : ['"sku" is required (a string)'];
  }

  async run(config: { sku: string }, context: CustomStepContext): Promise<unknown> {
    return { sku: config.sku, price: this.prices.priceOf(config.sku), step: context.stepId };
  }
}

@WorkflowStepType('price')
@Injectable()
class OtherPriceStep extends PriceStep {}

@WorkflowStepType('call')
@Injectable()
class ShadowingStep implements CustomStep {
  validate(): string[] {
    return [];
  }
  async run(): Promise<unknown> {
    return null;
  }
}

const pricing = {
  id: 'pricing',
  name: 'A custom step found by the module',
  inputs: { sku: { type: 'string' } },
  steps: [
    {
      id: 'quote',
      type: 'price',
      sku: '$input.sku',
      output: {
        key: 'quote',
        schema: { type: 'object', properties: { price: { type: 'number', minimum: 0 } } },
      },
      on_error: 'refused',
      next: 'done',
    },
    { id: 'done', type: 'end', result: '$quote' },
    { id: 'refused', type: 'end', result: { refused: '$_last_error.message' } },
  ],
};

describe('custom step types in a Nest application (in process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dw-custom-steps-'));
  let file = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts an application with these providers and workflows: the start error, or the service. */
  async function start(providers: Type[], workflows: Record<string, unknown>[]) {
    const ref = await Test.createTestingModule({
      imports: [
        appTypeorm({ sqliteFile: join(dir, `app-${file++}.sqlite`) }),
        DurableWorkflowModule.forRoot({ store: { type: 'typeorm' }, workflows }),
      ],
      providers: [PriceList, ...providers],
    }).compile();
    const error = await ref.init().then(
      () => null,
      (e: unknown) => e,
    );
    return {
      error,
      workflows: error ? null : ref.get(WorkflowService),
      close: () => ref.close(),
    };
  }

  it('finds a @WorkflowStepType provider and runs its steps, shown by their type', async () => {
    const app = await start([PriceStep], [pricing]);
    try {
      expect(app.error).toBeNull();
      const workflows = app.workflows!;
      const started = await workflows.start('pricing', { sku: 'A-1' });
      const done = await workflows.wait(started.id, { timeoutMs: 10_000 });
      expect(done).toMatchObject({
        status: 'completed',
        result: { sku: 'A-1', price: 9.5, step: 'quote' },
      });
      const entries = await workflows.entries(started.id);
      expect(entries.filter((e) => e.stepId === 'quote').map((e) => e.stepType)).toEqual([
        'price',
        'price',
      ]);
      // The dashboard's timeline names the type beside the step.
      expect(String(executionDetail(done, entries))).toMatch(
        /<td data-label="step">quote<\/td>\s*<td data-label="type">price<\/td>/,
      );

      const refused = await workflows.start('pricing', { sku: 'FREE' });
      expect(await workflows.wait(refused.id, { timeoutMs: 10_000 })).toMatchObject({
        status: 'completed',
        result: {
          refused:
            'the output does not match its schema at $.price: must be >= 0. Change what the step returns, or its "output.schema".',
        },
      });
    } finally {
      await app.close();
    }
  });

  it('refuses to start when two providers register one step type, naming both', async () => {
    const app = await start([PriceStep, OtherPriceStep], [pricing]);
    expect(app.error).toBeInstanceOf(StepTypeRegistrationError);
    expect(String(app.error)).toContain(
      "@WorkflowStepType('price') is on more than one provider (PriceStep and OtherPriceStep)",
    );
  });

  it('refuses to start when a step type would shadow a built-in one', async () => {
    const app = await start([ShadowingStep], []);
    expect(app.error).toBeInstanceOf(StepTypeRegistrationError);
    expect(String(app.error)).toContain('"call" is a built-in step type');
  });

  it('refuses to start when a workflow uses a type no provider registers', async () => {
    const app = await start([], [pricing]);
    expect(app.error).toBeInstanceOf(WorkflowValidationError);
    expect(String(app.error)).toContain('step "quote": unknown step type "price"');
  });
});
