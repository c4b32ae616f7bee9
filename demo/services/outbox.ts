import { Injectable } from '@nestjs/common';

/** Messages the demo "sends"; a real application would have a mail provider here. */
@Injectable()
export class Outbox {
  readonly sent: { to: string; subject: string; body: string }[] = [];
}
