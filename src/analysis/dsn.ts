// RFC 3464 delivery status notifications: the message/delivery-status part, or its fields inline.
import { parseHeaders } from './mime';
import { addressIn } from './addresses';

/** One recipient's failure (or success) as any reader found it, before classification. */
export interface RecipientRecord {
  recipient: string;
  action?: string;
  status?: string;
  replyCode?: string;
  diagnosticCode?: string;
  remoteMta?: string;
  smtpCommand?: string;
  lastAttemptDate?: string;
  /** The reporting MTA's own classification (PowerMTA's X-PowerMTA-BounceCategory). */
  bounceCategory?: string;
  /**
   * The reporting MTA's notices never name the SMTP command a reply answered (OpenSMTPD prints the
   * reply alone), so a missing smtpCommand says nothing about when the reply came.
   */
  commandUnrecorded?: boolean;
  format: string;
}

export interface DsnReport {
  reportingMta?: string;
  arrivalDate?: string;
  records: RecipientRecord[];
}

const STATUS = /\b([245])\.(\d{1,3})\.(\d{1,3})\b/g;

/** The first enhanced status code in a text, e.g. '5.1.1'. */
export function statusIn(text: string | undefined): string | undefined {
  if (!text) return undefined;
  // A transcript quotes the successes before the failure ("250 2.1.5 Ok ... 451 4.3.0"): the
  // first failure code is the status; a success code only when there is no failure.
  let success: string | undefined;
  for (const match of text.matchAll(STATUS)) {
    const code = `${match[1]}.${match[2]}.${match[3]}`;
    if (match[1] !== '2') return code;
    success ??= code;
  }
  return success;
}

/** The SMTP reply code a diagnostic starts with (after an optional 'smtp;' type). */
export function replyCodeIn(text: string | undefined): string | undefined {
  if (!text) return undefined;
  let success: string | undefined;
  for (const match of text.matchAll(/(?:^|[\s;:(\]'"])([245][0-5]\d)(?:[\s-]|$)/g)) {
    if (!match[1]?.startsWith('2')) return match[1];
    success ??= match[1];
  }
  return success;
}

const COMMAND = /\b(?:in reply to|after|while|during|response to) (?:end of )?(?:data|the )?\s*(RCPT TO|RCPT|MAIL FROM|MAIL|DATA|HELO|EHLO|STARTTLS|AUTH|CONNECT|initial connection|greeting|end of data|message)\b/i;

export function smtpCommandIn(text: string | undefined): string | undefined {
  if (!text) return undefined;
  // qmail and DMA word it their own way.
  if (/does not like recipient|most progress was RCPT|did not like our RCPT/i.test(text)) return 'RCPT';
  if (/failed after I sent the message|did not like our DATA/i.test(text)) return 'DATA';
  if (/did not like our MAIL|sender was rejected/i.test(text)) return 'MAIL';
  // Yahoo closes the remote reply with the command it answered: "... User Unknown [RCPT_TO]".
  const bracketed = /\[(RCPT_TO|MAIL_FROM|DATA)\]/.exec(text);
  if (bracketed) return bracketed[1] === 'RCPT_TO' ? 'RCPT' : bracketed[1] === 'MAIL_FROM' ? 'MAIL' : 'DATA';
  const match = COMMAND.exec(text);
  if (!match) return undefined;
  const word = (match[1] ?? '').toUpperCase();
  if (word.startsWith('RCPT')) return 'RCPT';
  if (word.startsWith('MAIL')) return 'MAIL';
  if (word === 'END OF DATA' || word === 'DATA' || word === 'MESSAGE') return 'DATA';
  if (word === 'INITIAL CONNECTION' || word === 'GREETING' || word === 'CONNECT') return 'CONN';
  return word;
}

function fieldValue(value: string): string {
  const semi = value.indexOf(';');
  return (semi === -1 ? value : value.slice(semi + 1)).trim();
}

/** Picks the more specific of the Status field and a code quoted in the diagnostic. */
export function bestStatus(field: string | undefined, diagnostic: string | undefined): string | undefined {
  const fromField = statusIn(field);
  const fromText = statusIn(diagnostic);
  if (!fromField) return fromText;
  if (fromText && /\.0\.0$/.test(fromField) && !/\.0\.0$/.test(fromText) && fromText[0] === fromField[0]) return fromText;
  return fromField;
}

/** Reads the fields of a delivery-status body (or of text that quotes one). */
export function parseDeliveryStatus(body: string, format = 'dsn'): DsnReport {
  const report: DsnReport = { records: [] };
  // Blocks are separated by empty lines (RFC 3464 §2.1); inside a block the fields may come in any
  // order. Some MTAs put no empty line between recipients: a second Final-Recipient starts one.
  for (const block of body.split(/\n[ \t]*\n/)) {
    let current: Partial<RecipientRecord> & { final?: string; original?: string; statusField?: string } = {};
    const flush = () => {
      const recipient = addressIn(current.final) || addressIn(current.original);
      if (recipient) {
        const diagnosticCode = current.diagnosticCode;
        report.records.push({
          recipient,
          format,
          action: current.action,
          status: bestStatus(current.statusField, diagnosticCode),
          replyCode: replyCodeIn(diagnosticCode),
          diagnosticCode,
          remoteMta: current.remoteMta,
          smtpCommand: smtpCommandIn(diagnosticCode),
          lastAttemptDate: current.lastAttemptDate,
          bounceCategory: current.bounceCategory,
        });
      }
      current = {};
    };
    for (const header of parseHeaders(block)) {
      const value = header.value;
      switch (header.name) {
        case 'reporting-mta':
          report.reportingMta ??= fieldValue(value);
          break;
        case 'arrival-date':
          report.arrivalDate ??= value;
          break;
        case 'final-recipient':
          if (current.final) flush();
          current.final = value;
          break;
        case 'original-recipient':
          if (current.original && current.final) flush();
          current.original = value;
          break;
        case 'action':
          current.action = value.trim().toLowerCase().split(/[\s(]/)[0];
          break;
        case 'status':
          current.statusField = value;
          break;
        case 'remote-mta':
          current.remoteMta = fieldValue(value);
          break;
        case 'diagnostic-code':
          // A local delivery agent's exit code ("X-Unix; 75") means nothing without its type.
          current.diagnosticCode = /^\s*x-unix\s*;/i.test(value) ? value.trim() : fieldValue(value) || value;
          break;
        case 'last-attempt-date':
          current.lastAttemptDate = value;
          break;
        case 'x-powermta-bouncecategory':
          current.bounceCategory = value.trim().toLowerCase();
          break;
        case 'x-actual-recipient':
          if (!current.final) current.final = value;
          break;
        default:
          break;
      }
    }
    flush();
  }
  return report;
}

/**
 * The SMTP command a Sendmail-style session transcript shows failing (">>> RCPT To:<a@b>" then
 * "<<< 550 ..."), preferring the exchange that names `recipient`.
 */
export function failedCommandInTranscript(text: string, recipient: string): string | undefined {
  if (!text.includes('>>> ')) return undefined;
  // With PIPELINING the client sends MAIL, RCPT and DATA before reading any reply, so a batch of
  // commands is answered together: a failure answering a batch that named the recipient in its
  // RCPT is that RCPT's.
  let batch: Array<{ verb: string; line: string }> = [];
  let lastReplyWasSent = false;
  let dataAccepted = false;
  let firstFailure: string | undefined;
  for (const line of text.split('\n')) {
    const sent = /^\s*>>>\s*([A-Za-z.]+)/.exec(line);
    if (sent) {
      const verb = (sent[1] ?? '').toUpperCase();
      if (lastReplyWasSent) {
        batch = [];
        // The message body ends with "." after the 354: still the accepted DATA.
        if (verb !== '.') dataAccepted = false;
      }
      lastReplyWasSent = false;
      batch.push({ verb: verb === '.' ? 'DATA' : verb, line: line.toLowerCase() });
      continue;
    }
    if (!/^\s*<<<\s*\d{3}/.test(line)) continue;
    lastReplyWasSent = true;
    if (/^\s*<<<\s*354/.test(line)) dataAccepted = true;
    if (!/^\s*<<<\s*[45]/.test(line) || batch.length === 0) continue;
    const named = batch.find((command) => command.verb === 'RCPT' && command.line.includes(recipient));
    if (named) return 'RCPT';
    const verb = batch[batch.length - 1]?.verb;
    // Sendmail logs only the last command of a pipelined batch: a refusal "at DATA" that never
    // got its 354 may answer any command of the batch, so it names none.
    if (verb === 'DATA' && !dataAccepted) continue;
    firstFailure ??= verb;
  }
  return firstFailure;
}
