import { Injectable } from '@nestjs/common';

/** The payment provider; a real application would call its API here. */
@Injectable()
export class PaymentsGateway {
  private paid = 0;

  /** What is paid back: the amount, less a fee of 1 on refunds under 20. */
  quote(amount: number): number {
    return amount < 20 ? Math.max(amount - 1, 0) : amount;
  }

  pay(order: string, amount: number): { reference: string; amount: number } {
    this.paid += 1;
    return { reference: `RF-${order}-${this.paid}`, amount };
  }
}
