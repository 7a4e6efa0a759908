// What the demo's senders write, and the content fingerprint the relay takes of it. Ordinary
// senders are shops and practices on one hosting platform: they share its notification templates,
// so hundreds of them send the same order notice. The trouble-makers write their own.
import { createHash } from 'node:crypto';

/** A subject and a body; the body's {name}, {number} and {link} are filled in per recipient. */
export interface MessageTemplate {
  subject: string;
  body: string;
}

export const platformTemplates: MessageTemplate[] = [
  {
    subject: 'Your order has shipped',
    body: 'Hello {name},\n\ngood news: order {number} left our warehouse today and is on its way to you.\nTrack the parcel at {link}\n\nThank you for shopping with us.',
  },
  {
    subject: 'Invoice for your appointment',
    body: 'Dear {name},\n\nplease find the invoice {number} for your recent appointment below. Payment is due within fourteen days.\nView and pay online: {link}\n\nKind regards, the front desk',
  },
  {
    subject: 'This week at the shop',
    body: 'Hi {name},\n\nnew arrivals this week, a workshop on Thursday evening and our opening hours for the holidays.\nRead more: {link}\n\nTo stop these updates, unsubscribe at {link}',
  },
  {
    subject: 'Password reset requested',
    body: 'Hello {name},\n\nsomeone asked to reset the password of your account. If it was you, choose a new one within {number} minutes: {link}\nIf not, ignore this message; your password stays as it is.',
  },
  {
    subject: 'Event reminder: Saturday',
    body: 'Hi {name},\n\na reminder that your booking {number} is this Saturday. Doors open half an hour before the start.\nDirections and details: {link}\n\nSee you there!',
  },
  {
    subject: 'Your receipt',
    body: 'Thank you, {name}.\n\nThis is your receipt for payment {number}. Keep it for your records.\nDownload a copy: {link}',
  },
];

export const troubleMakerTemplates: Record<string, MessageTemplate[]> = {
  'promo-blaster': [
    { subject: 'You WON a $500 gift card', body: 'CONGRATULATIONS {name}!!!\n\nYou have been selected to receive a $500 gift card. Claim it in the next {number} minutes before it goes to someone else: {link}' },
    { subject: 'Claim your prize now', body: 'Dear winner {name},\n\nyour prize is waiting. Confirm your details and pay the small handling fee to release it: {link}\nOffer reference {number}.' },
    { subject: 'Final notice: unclaimed reward', body: 'FINAL NOTICE for {name}\n\nyour reward {number} expires tonight. Limited time offer: click here to claim your prize: {link}' },
  ],
  'winbig-rewards': [
    { subject: 'Spin to win today only', body: 'Hey {name}, spin the wheel today only and win up to {number} bonus credits! Every spin wins: {link}\nNot interested? Too bad, spins reset at midnight.' },
    { subject: 'Your bonus expires tonight', body: 'Hey {name}, your bonus of {number} credits expires tonight. Play now before it is gone: {link}' },
  ],
  'lead-harvest': [
    { subject: 'Grow your business with our leads', body: 'Hi {name},\n\nwe have {number} verified decision-maker contacts in your industry, ready to import into your CRM. See a free sample: {link}' },
    { subject: 'Quick question about your company', body: 'Hi {name},\n\nquick question: who handles new customer acquisition at your company? We doubled pipelines for {number} firms like yours. Fifteen minutes this week? {link}' },
  ],
};

/** The body a recipient gets: their name, a number of their own, a link with a token of their own. */
export function renderBody(template: MessageTemplate, senderDomain: string, recipient: string, random: () => number): string {
  const name = recipient.split('@')[0]!;
  const token = Math.floor(random() * 2 ** 40).toString(36);
  return template.body
    .replaceAll('{name}', name)
    .replaceAll('{number}', String(1000 + Math.floor(random() * 9_000_000)))
    .replaceAll('{link}', `https://${senderDomain}/r/${token}`);
}

/**
 * The relay's content fingerprint of a message, as its submission service would take it: the body
 * with what differs per recipient removed (their address and name, links, which carry per-recipient
 * tokens, and digits: order numbers, amounts, codes), hashed. Copies of one template share it,
 * whoever sends them; it does not depend on the subject alone. 128 bits, base64url.
 */
export function contentFingerprint(body: string, recipient: string): string {
  const name = recipient.split('@')[0]!;
  const template = body
    .toLowerCase()
    .replaceAll(recipient.toLowerCase(), ' ')
    .replaceAll(name.toLowerCase(), ' ')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\d+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return createHash('sha256').update(template).digest('base64url').slice(0, 22);
}
