// Feedback-ID (Gmail's feedback loop header): colon-separated identifiers, one of which is the sender.

/** The sender field (1-based `field`) of a Feedback-ID value, or undefined when absent or empty. */
export function senderFromFeedbackId(value: string, field: number): string | undefined {
  const parts = value.trim().split(':');
  const sender = parts[field - 1]?.trim();
  return sender ? sender : undefined;
}
