// The pretend relay: each sender's messages at its rate, asked of the Postfix policy server one by
// one (refused ones are not sent), reported through POST /api/v1/events, and followed a few
// seconds later by the complaints and bounces they draw, delivered into the feedback Maildir.
import { randomBytes } from 'node:crypto';
import type { DemoBlocklists } from './blocklists';
import type { Maildir } from './mail/maildir';
import { composeMessage, returnPathOf } from './mail/original';
import { bounceReport, complaintReport, type BounceKind } from './mail/reports';
import { sendEventOf, type PolicyAnswer, type PolicyQuestion, type SendEvent } from './relay-client';
import { pickRecipientDomain, seededRandom, type DemoSender } from './senders';

export interface TrafficStats {
  accepted: number;
  deferred: number;
  rejected: number;
  complaintsMailed: number;
  bouncesMailed: number;
}

/** Chances per message for ordinary senders (a healthy relay: about 0.02% complaints, 1% hard bounces). */
const regularOdds = { complaint: 1 / 5000, hardBounce: 0.01, mailboxFull: 0.003, blockedOnListedIp: 0.03 };

export interface RelayTrafficOptions {
  senders: DemoSender[];
  /** The policy server's answer for one message (the demo: a PolicyConnection to warden serve). */
  askPolicy: (question: PolicyQuestion) => Promise<PolicyAnswer>;
  /** Reports the accepted messages (the demo: POST /api/v1/events with the relay token). */
  reportSendEvents: (events: SendEvent[]) => Promise<unknown>;
  /** Where complaints and bounces arrive (the feedback Maildir). */
  maildir: Pick<Maildir, 'deliver'>;
  blocklists: Pick<DemoBlocklists, 'zonesListing'>;
  speed: number;
  /** Problems the console shows (an API error); the traffic goes on. */
  onProblem: (message: string) => void;
  /** The time messages are sent and reports arrive at. Default: the wall clock. */
  clock?: () => Date;
}

interface Feedback {
  dueAt: number;
  kind: 'complaint' | 'bounce';
  /** The report, written when it arrives (its Date and Arrival-Date are that moment). */
  render: (arrivedAt: Date) => string;
}

export class RelayTraffic {
  readonly stats: TrafficStats = { accepted: 0, deferred: 0, rejected: 0, complaintsMailed: 0, bouncesMailed: 0 };
  private readonly random = seededRandom(7);
  private readonly credit = new Map<string, number>();
  private readonly sequence = new Map<string, number>();
  private readonly feedback: Feedback[] = [];
  private readonly clock: () => Date;
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: RelayTrafficOptions) {
    this.clock = options.clock ?? (() => new Date());
    // A random phase per sender, so small senders do not all send on the same tick.
    for (const sender of options.senders) this.credit.set(sender.id, this.random());
  }

  start(tickMs = 500): void {
    this.running = true;
    this.loop = (async () => {
      let last = Date.now();
      while (this.running) {
        const started = Date.now();
        await this.tick((started - last) / 1000).catch((error: Error) => this.options.onProblem(`relay traffic: ${error.message}`));
        last = started;
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, tickMs - (Date.now() - started))));
      }
    })();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /**
   * `elapsedSeconds` of traffic (times the speed) sent at the clock's time, then the reports due by
   * then delivered. start() calls it on the wall clock; a test drives it on a clock of its own.
   */
  async tick(elapsedSeconds: number): Promise<void> {
    const events: SendEvent[] = [];
    const now = this.clock();
    for (const sender of this.options.senders) {
      let credit = (this.credit.get(sender.id) ?? 0) + (sender.messagesPerMinute / 60) * elapsedSeconds * this.options.speed;
      for (; credit >= 1; credit--) {
        const event = await this.send(sender, now);
        if (event) events.push(event);
      }
      this.credit.set(sender.id, credit);
    }
    if (events.length > 0) await this.options.reportSendEvents(events);
    this.deliverDueFeedback(this.clock().getTime());
  }

  private async send(sender: DemoSender, now: Date): Promise<SendEvent | undefined> {
    const recipientDomain = pickRecipientDomain(this.random);
    const recipient = `u${Math.floor(this.random() * 1_000_000)}@${recipientDomain}`;
    const queueId = randomBytes(5).toString('hex').toUpperCase();
    const answer = await this.options.askPolicy({
      sender: sender.id,
      envelopeSender: returnPathOf(sender.id),
      recipient,
      serverAddress: sender.ip,
      queueId,
    });
    if (answer.startsWith('REJECT')) {
      this.stats.rejected++;
      return undefined;
    }
    if (answer.startsWith('DEFER')) {
      this.stats.deferred++;
      return undefined;
    }
    this.stats.accepted++;
    const n = (this.sequence.get(sender.id) ?? 0) + 1;
    this.sequence.set(sender.id, n);
    const message = composeMessage(sender, n, recipient, `<${queueId}.${now.getTime().toString(36)}@${sender.domain}>`, now, this.random);
    const bounce = this.bounceFor(sender, n);
    if (bounce) this.schedule('bounce', (at) => bounceReport(message, at, bounce.kind, bounce.blocklist));
    else if (sender.complaintEvery ? n % sender.complaintEvery === 0 : this.random() < regularOdds.complaint) {
        const style = this.random() < 0.3 ? 'redacted' : 'full';
      this.schedule('complaint', (at) => complaintReport(message, at, style));
    }
    return sendEventOf(message, recipientDomain, bounce ? 'bounced' : 'delivered');
  }

  private bounceFor(sender: DemoSender, n: number): { kind: BounceKind; blocklist?: string } | undefined {
    if (sender.hardBounceEvery && n % sender.hardBounceEvery === 0) return { kind: 'hard' };
    const listedOn = this.options.blocklists.zonesListing(sender.ip);
    if (listedOn.length > 0 && this.random() < regularOdds.blockedOnListedIp) return { kind: 'blocked', blocklist: listedOn[0] };
    if (sender.profile !== 'regular') return undefined;
    const draw = this.random();
    if (draw < regularOdds.hardBounce) return { kind: 'hard' };
    if (draw < regularOdds.hardBounce + regularOdds.mailboxFull) return { kind: 'mailbox-full' };
    return undefined;
  }

  private schedule(kind: Feedback['kind'], render: Feedback['render']): void {
    // Bounces within 2-5 s, complaints within 4-12 s (at speed 1).
    const delaySeconds = kind === 'bounce' ? 2 + this.random() * 3 : 4 + this.random() * 8;
    this.feedback.push({ dueAt: this.clock().getTime() + (delaySeconds * 1000) / this.options.speed, kind, render });
  }

  private deliverDueFeedback(now: number): void {
    const due = this.feedback.filter((item) => item.dueAt <= now);
    if (due.length === 0) return;
    this.feedback.splice(0, this.feedback.length, ...this.feedback.filter((item) => item.dueAt > now));
    for (const item of due) {
      this.options.maildir.deliver(item.render(new Date(now)));
      if (item.kind === 'complaint') this.stats.complaintsMailed++;
      else this.stats.bouncesMailed++;
    }
  }
}
