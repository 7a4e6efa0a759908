// Auto-replies (RFC 3834 Auto-Submitted, vacation programs, "out of office"): not bounces.
import { headerValue } from '../mime';
import type { BounceText, VendorReader } from './types';

const AUTO_SUBJECT =
  /^(?:auto(?:matic)?[ -]?(?:reply|response|antwort)|out of (?:the )?office|away from|on vacation|vacation|abwesenheit|absence|réponse automatique|respuesta automática|自動応答|不在)|\b(?:out of (?:the )?office|auto-?reply|autoreply|away until|on vacation)\b/i;

export function isAutoReply(report: BounceText): boolean {
  const submitted = headerValue(report.headers, 'auto-submitted')?.toLowerCase() ?? '';
  if (submitted.startsWith('auto-replied')) return true;
  if (headerValue(report.headers, 'x-autoreply') !== undefined || headerValue(report.headers, 'x-autorespond') !== undefined) return true;
  const precedence = headerValue(report.headers, 'precedence')?.toLowerCase() ?? '';
  if (/auto_reply|auto-reply/.test(precedence)) return true;
  if (/^(?:vacation|autoreply)$/i.test(headerValue(report.headers, 'x-mailer') ?? '')) return true;
  return AUTO_SUBJECT.test(report.subject);
}

export const autoReply: VendorReader = { family: 'autoreply', isAutoReply };
