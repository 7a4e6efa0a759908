// IMAP accounts and local mail stores that hold complaint (ARF) and bounce mail.
import { z } from 'zod';

const afterProcessing = z.discriminatedUnion('action', [
  z.object({ action: z.literal('move'), folder: z.string().min(1).default('Processed') }).strict(),
  z.object({ action: z.literal('seen') }).strict(),
  z.object({ action: z.literal('delete') }).strict(),
]);

const folder = z
  .object({
    path: z.string().min(1),
    /** What the folder holds; `auto` decides per message. */
    holds: z.enum(['complaints', 'bounces', 'auto']).default('auto'),
    afterProcessing: afterProcessing.prefault({ action: 'move' }),
  })
  .strict();

const imapAccount = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'expected letters, digits, - or _' }),
    host: z.string().min(1),
    port: z.number().int().min(1).max(65_535).default(993),
    /** implicit = TLS from the first byte (993); starttls = upgrade on 143; none only for loopback. */
    tls: z.enum(['implicit', 'starttls', 'none']).default('implicit'),
    /** Lets `tls: none` reach a host other than loopback (the password then crosses the network in clear). */
    allowPlaintext: z.boolean().default(false),
    user: z.string().min(1),
    password: z.string().min(1),
    folders: z.array(folder).min(1).prefault([{ path: 'INBOX' }]),
    batchSize: z.number().int().min(1).max(5000).default(200),
    maxMessageBytes: z.number().int().min(1024).default(10 * 1024 * 1024),
  })
  .strict()
  .superRefine((account, ctx) => {
    if (account.tls === 'none' && !account.allowPlaintext && !isLoopbackHost(account.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `tls: none would send the password to ${account.host} in clear text; it is for loopback hosts (localhost, 127.0.0.0/8, ::1): use implicit or starttls, or set allowPlaintext: true`,
      });
    }
  });

/** localhost, 127.0.0.0/8 and ::1: a connection that never leaves the machine. */
export function isLoopbackHost(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost') || /^127(\.\d{1,3}){3}$/.test(name) || name === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(name) || /^::ffff:127(\.\d{1,3}){3}$/.test(name);
}

const localStore = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/i, { message: 'expected letters, digits, - or _' }),
    /** A Maildir folder (with cur/ and new/) or an mbox file. */
    path: z.string().min(1),
    format: z.enum(['maildir', 'mbox']),
    holds: z.enum(['complaints', 'bounces', 'auto']).default('auto'),
  })
  .strict();

export const mailboxesConfig = z
  .object({
    imap: z.array(imapAccount).default([]),
    local: z.array(localStore).default([]),
    /** Days to keep the raw bytes of processed messages (facts are kept). */
    rawRetentionDays: z.number().int().min(0).default(30),
    /**
     * Worker threads that analyze the mail while the main thread fetches, stores and answers the
     * relay (mail is never parsed on that thread). Default: one less than the cores, 1 to 4.
     */
    analysisThreads: z.number().int().min(1, { message: 'at least 1: mail is analyzed in worker threads, never on the thread that answers the relay' }).max(16).optional(),
    /** Longest time the analysis of one message may take; past it the message is quarantined (E_ANALYSIS_BUDGET). */
    analysisBudgetMs: z.number().int().min(100).max(600_000).default(2_000),
  })
  .strict();

export type MailboxesConfig = z.infer<typeof mailboxesConfig>;

/** The name a source's runs, checkpoints, events and metrics carry: `imap:<name>` or `local:<name>`. */
export const imapSourceName = (account: { name: string }) => `imap:${account.name}`;
export const localSourceName = (store: { name: string }) => `local:${store.name}`;

export function mailboxSourceNames(mailboxes: Pick<MailboxesConfig, 'imap' | 'local'>): string[] {
  return [...mailboxes.imap.map(imapSourceName), ...mailboxes.local.map(localSourceName)];
}
