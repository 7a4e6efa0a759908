// The day before the demo: a clean history of send events for every sender (through the same
// API), and the bounces and complaints that day drew, already waiting in the Maildir with their
// past dates. It gives the rates a volume to stand on and the charts a past.
import { randomBytes } from 'node:crypto';
import type { Maildir } from './mail/maildir';
import { composeMessage } from './mail/original';
import { bounceReport, complaintReport, unreadableMessages } from './mail/reports';
import { sendEventOf, type SendEvent } from './relay-client';
import { pickRecipientDomain, seededRandom, type DemoSender } from './senders';

export interface HistoryOptions {
  senders: DemoSender[];
  /** Reports a batch of send events (the demo: POST /api/v1/events with the relay token). */
  reportSendEvents: (events: SendEvent[]) => Promise<unknown>;
  maildir: Pick<Maildir, 'deliver'>;
  /** Share of ordinary senders' daily volume to backfill (1 = a full day); trouble-makers get all of theirs. */
  regularShare: number;
  now: Date;
}

const hourMs = 3_600_000;
/** Events per API request: well under the API's 10,000 limit, small enough to keep requests short. */
const batchSize = 2000;

/** A time in the 23 hours before `now` (inside the 24h window), busier in the daytime. */
function pastTime(random: () => number, now: Date): Date {
  for (;;) {
    const ago = 60_000 + random() * 23 * hourMs;
    const at = new Date(now.getTime() - ago);
    const daytime = 0.35 + 0.65 * Math.max(0, Math.sin(((at.getUTCHours() - 6) / 24) * 2 * Math.PI));
    if (random() < daytime) return at;
  }
}

export async function backfillHistory({ senders, reportSendEvents, maildir, regularShare, now }: HistoryOptions): Promise<{ events: number; reports: number }> {
  const random = seededRandom(11);
  const events: SendEvent[] = [];
  let reports = 0;
  for (const sender of senders) {
    const count = sender.profile === 'regular' ? Math.round(sender.historyPerDay * regularShare) : sender.historyPerDay;
    for (let n = 0; n < count; n++) {
      const at = pastTime(random, now);
      const recipientDomain = pickRecipientDomain(random);
      const recipient = `u${Math.floor(random() * 1_000_000)}@${recipientDomain}`;
      const message = composeMessage(sender, n, recipient, `<${randomBytes(5).toString('hex').toUpperCase()}.${at.getTime().toString(36)}@${sender.domain}>`, at, random);
      // The trouble-makers' history is clean: their trouble starts with the demo.
      const draw = sender.profile === 'regular' ? random() : 1;
      const bounced = draw < 0.01;
      if (bounced) maildir.deliver(bounceReport(message, new Date(at.getTime() + 90_000), 'hard'));
      else if (draw < 0.0102) maildir.deliver(complaintReport(message, new Date(at.getTime() + 40 * 60_000), 'full'));
      if (draw < 0.0102) reports++;
      events.push(sendEventOf(message, recipientDomain, bounced ? 'bounced' : 'delivered'));
    }
  }
  for (const { raw } of unreadableMessages(new Date(now.getTime() - 2 * hourMs))) maildir.deliver(raw);
  for (let i = 0; i < events.length; i += batchSize) await reportSendEvents(events.slice(i, i + batchSize));
  return { events: events.length, reports };
}
