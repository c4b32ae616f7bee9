import { Injectable, Module } from '@nestjs/common';
import { setTimeout as delay } from 'node:timers/promises';
import { WorkflowCallable } from '../../src';
import { NotifyStep } from './notify.step';
import { Outbox } from './outbox';

export { Outbox } from './outbox';

/** The demo's bookkeeping, in memory. */
@Injectable()
export class Books {
  readonly entries: { requester: string; amount: number; purpose: string; reference: string }[] =
    [];
  private readonly refused = new Set<string>();

  /** The ledger is briefly unavailable for each requester's first booking: retries show on the trail. */
  firstTimeFor(requester: string): boolean {
    if (this.refused.has(requester)) return false;
    this.refused.add(requester);
    return true;
  }
}

@WorkflowCallable('notifier')
@Injectable()
export class NotifierService {
  constructor(private readonly outbox: Outbox) {}

  send(input: { to: string; subject: string; body: string }) {
    this.outbox.sent.push(input);
    return { sent: true, to: input.to };
  }
}

@WorkflowCallable('ledger')
@Injectable()
export class LedgerService {
  constructor(private readonly books: Books) {}

  book(input: { requester: string; amount: number; purpose: string }) {
    if (this.books.firstTimeFor(input.requester))
      throw new Error('the ledger is busy (closing the month); try again');
    const reference = `BK-${String(this.books.entries.length + 1).padStart(4, '0')}`;
    this.books.entries.push({ ...input, reference });
    return { reference, amount: input.amount };
  }
}

@WorkflowCallable('crm')
@Injectable()
export class CrmService {
  private next = 1000;
  constructor(private readonly outbox: Outbox) {}

  createAccount(input: { customer: string; email: string }) {
    const number = `AC-${this.next++}`;
    this.outbox.sent.push({ to: input.email, subject: 'Welcome', body: `Account ${number}` });
    return { number };
  }
}

@WorkflowCallable('payments')
@Injectable()
export class PaymentsService {
  charge(input: { order: string; amount: number }) {
    return { charge: `ch_${input.order}`, amount: input.amount };
  }
  refund(input: { order: string; reason: string }) {
    return { refunded: true, order: input.order, reason: input.reason };
  }
}

/** Packing takes a moment per item (`PACK_MS`), so a run can be interrupted in the middle. */
@WorkflowCallable('warehouse')
@Injectable()
export class WarehouseService {
  reserve(input: { order: string; items: { sku: string }[] }) {
    const missing = input.items.filter((item) => item.sku.startsWith('OUT-OF-STOCK'));
    if (missing.length > 0)
      throw new Error(`out of stock: ${missing.map((item) => item.sku).join(', ')}`);
    return { reserved: input.items.length };
  }
  async pack(input: { order: string; sku: string }) {
    await delay(Number(process.env.PACK_MS ?? 300));
    return { sku: input.sku, packedAt: new Date().toISOString() };
  }
  dispatch(input: { order: string }) {
    if (input.order.startsWith('HOLD-'))
      throw new Error(`order ${input.order} is on hold: the carrier will not take it`);
    return { tracking: `TRK-${input.order}` };
  }
  shipKit(input: { customer: string }) {
    return { tracking: `KIT-${input.customer.toUpperCase().replace(/[^A-Z0-9]/g, '')}` };
  }
}

@Module({
  providers: [
    Outbox,
    Books,
    NotifierService,
    LedgerService,
    CrmService,
    PaymentsService,
    WarehouseService,
    NotifyStep,
  ],
  exports: [Outbox, Books],
})
export class DemoServicesModule {}
