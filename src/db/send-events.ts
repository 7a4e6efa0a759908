// The relay's send log: stored once per (message, recipient), counted into the rollups.
import { inArray, lt } from 'drizzle-orm';
import type { Db } from './client';
import { addToRollups, type RollupIncrement } from './rollups';
import { sendEvents } from './schema';

export interface SendEventInput {
  messageId: string;
  recipientKey: string;
  sender: string;
  senderDomain: string;
  recipientDomain: string;
  ip: string;
  at: Date;
  outcome?: 'delivered' | 'deferred' | 'bounced';
  clientAddress?: string;
  saslUsername?: string;
}

/**
 * Stores events and counts the new ones, in one transaction: a retried request stores and counts
 * nothing twice. Returns how many were new and how many were already known.
 */
export async function storeSendEvents(db: Db, events: SendEventInput[]): Promise<{ stored: number; duplicates: number; senders: string[] }> {
  if (events.length === 0) return { stored: 0, duplicates: 0, senders: [] };
  return db.transaction(async (tx) => {
    let stored = 0;
    const increments: RollupIncrement[] = [];
    const senders = new Set<string>();
    for (let i = 0; i < events.length; i += 1000) {
      const fresh = await tx
        .insert(sendEvents)
        .values(events.slice(i, i + 1000))
        .onConflictDoNothing({ target: [sendEvents.messageId, sendEvents.recipientKey] })
        .returning({
          sender: sendEvents.sender,
          senderDomain: sendEvents.senderDomain,
          recipientDomain: sendEvents.recipientDomain,
          ip: sendEvents.ip,
          at: sendEvents.at,
          outcome: sendEvents.outcome,
        });
      stored += fresh.length;
      for (const event of fresh) {
        const counts = { sent: 1, delivered: event.outcome === 'delivered' ? 1 : 0 };
        senders.add(event.sender);
        increments.push(
          { dimension: 'sender', key: event.sender, at: event.at, counts },
          { dimension: 'sender_domain', key: event.senderDomain, at: event.at, counts },
          { dimension: 'recipient_domain', key: event.recipientDomain, at: event.at, counts },
          { dimension: 'ip', key: event.ip, at: event.at, counts },
        );
      }
    }
    await addToRollups(tx, increments);
    return { stored, duplicates: events.length - stored, senders: [...senders] };
  });
}

/** The send-log entries of original Message-IDs, for attributing reports that name no sender. */
export async function findSendsByMessageId(db: Db, messageIds: string[]) {
  if (messageIds.length === 0) return new Map<string, { sender: string; senderDomain: string; ip: string }>();
  const rows = await db
    .selectDistinctOn([sendEvents.messageId], {
      messageId: sendEvents.messageId,
      sender: sendEvents.sender,
      senderDomain: sendEvents.senderDomain,
      ip: sendEvents.ip,
    })
    .from(sendEvents)
    .where(inArray(sendEvents.messageId, messageIds));
  return new Map(rows.map((row) => [row.messageId, row]));
}

export async function pruneSendEvents(db: Db, before: Date): Promise<number> {
  const deleted = await db.delete(sendEvents).where(lt(sendEvents.at, before)).returning({ id: sendEvents.id });
  return deleted.length;
}
