import { Injectable } from '@nestjs/common';
import { WorkflowCallable } from 'nestjs-durable-workflow';
import { PaymentsGateway } from './payments.gateway';

/** Reachable from the workflow's `call` steps as `service: refunds`. */
@WorkflowCallable('refunds')
@Injectable()
export class RefundsService {
  constructor(private readonly gateway: PaymentsGateway) {}

  quote(input: { order: string; amount: number }): { order: string; amount: number } {
    return { order: input.order, amount: this.gateway.quote(input.amount) };
  }

  pay(input: { order: string; amount: number }): { reference: string; amount: number } {
    return this.gateway.pay(input.order, input.amount);
  }
}
