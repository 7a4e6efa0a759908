// Pure: folds an alert signal into the incident it belongs to. A new incident waits a quiet period
// (groupWait) before its trigger goes out, gathering the rest of its group (a /24 listed on one
// zone is one alert); after that, more members join silently: on-call hears once per incident.
// A resolve goes out when the last open member resolves, only if the trigger went out at all.
import type { AlertRow } from '../db/alert-queries';
import type { AlertEventSample } from '../db/schema';
import { severityRank, type AlertSignal } from './routing';

/** An alert (one incident) as grouping folds signals into it: its stored row without the id. */
export type Alert = Omit<AlertRow, 'id'>;

export type AlertOutcome =
  | { change: 'none' }
  | { change: 'open' | 'update'; alert: Alert; notify: 'notice' | 'resolve' | null };

/** Bounded so a grouped /24 keeps a small row and message. */
export const maxRecentEvents = 20;

export function sampleOf(signal: AlertSignal): AlertEventSample {
  const { event } = signal;
  return { id: event.id, type: event.type, severity: event.severity, subject: event.subject, summary: event.summary, at: event.at.toISOString(), payload: event.payload };
}

function titleOf(signal: AlertSignal, memberCount: number): string {
  if (memberCount <= 1) return signal.event.summary;
  const where = Object.entries(signal.labels).map(([k, v]) => `${k} ${v}`).join(', ');
  return `${signal.event.type} for ${memberCount} subjects (${where})`;
}

/**
 * `open` is the firing alert with the signal's dedup key, if any. Returns what to store and
 * whether to notify now (a trigger is never sent from here: it waits for the quiet period).
 */
export function applySignal(open: Alert | undefined, signal: AlertSignal, groupWaitMs: number): AlertOutcome {
  if (signal.action === 'notice') return noticeOf(signal);
  if (signal.action === 'fire') return open ? joined(open, signal) : opened(signal, groupWaitMs);
  return resolved(open, signal);
}

/** An incident of one member, `signal`'s; what differs between a notice and a trigger is given. */
function firstAlert(signal: AlertSignal, differs: Pick<Alert, 'state' | 'title' | 'openSubjects' | 'notifyAfter' | 'notifiedAt' | 'resolvedAt'>): Alert {
  const at = signal.event.at;
  return {
    dedupKey: signal.dedupKey,
    kind: signal.kind,
    severity: signal.severity,
    labels: signal.labels,
    subjects: [signal.member],
    recentEvents: [sampleOf(signal)],
    eventCount: 1,
    destinations: signal.destinations,
    firstAt: at,
    lastAt: at,
    ...differs,
  };
}

/** A one-off event: stored resolved, its notice sent at once. */
function noticeOf(signal: AlertSignal): AlertOutcome {
  if (signal.destinations.length === 0) return { change: 'none' };
  const at = signal.event.at;
  const alert = firstAlert(signal, { state: 'resolved', title: signal.event.summary, openSubjects: [], notifyAfter: at, notifiedAt: at, resolvedAt: at });
  return { change: 'open', notify: 'notice', alert };
}

/** The first member of a new incident: its trigger waits out the quiet period. */
function opened(signal: AlertSignal, groupWaitMs: number): AlertOutcome {
  if (signal.destinations.length === 0) return { change: 'none' };
  const notifyAfter = new Date(signal.event.at.getTime() + groupWaitMs);
  const alert = firstAlert(signal, { state: 'firing', title: titleOf(signal, 1), openSubjects: [signal.member], notifyAfter, notifiedAt: null, resolvedAt: null });
  return { change: 'open', notify: null, alert };
}

/** Another member of a firing incident (or the same one again): it joins silently. */
function joined(open: Alert, signal: AlertSignal): AlertOutcome {
  const subjects = open.subjects.includes(signal.member) ? open.subjects : [...open.subjects, signal.member];
  const openSubjects = open.openSubjects.includes(signal.member) ? open.openSubjects : [...open.openSubjects, signal.member];
  const severity = severityRank(signal.severity) > severityRank(open.severity) ? signal.severity : open.severity;
  return {
    change: 'update',
    notify: null,
    alert: {
      ...open,
      severity,
      title: titleOf(signal, subjects.length),
      subjects,
      openSubjects,
      recentEvents: [...open.recentEvents, sampleOf(signal)].slice(-maxRecentEvents),
      eventCount: open.eventCount + 1,
      // Until the trigger goes out, a more severe member may widen who hears about it.
      destinations: open.notifiedAt ? open.destinations : [...new Set([...open.destinations, ...signal.destinations])],
      lastAt: signal.event.at,
    },
  };
}

/** A member resolves; the incident resolves with its last open member, and says so if its trigger went out. */
function resolved(open: Alert | undefined, signal: AlertSignal): AlertOutcome {
  if (!open || !open.openSubjects.includes(signal.member)) return { change: 'none' };
  const at = signal.event.at;
  const openSubjects = open.openSubjects.filter((member) => member !== signal.member);
  const allResolved = openSubjects.length === 0;
  return {
    change: 'update',
    notify: allResolved && open.notifiedAt ? 'resolve' : null,
    alert: {
      ...open,
      openSubjects,
      recentEvents: [...open.recentEvents, sampleOf(signal)].slice(-maxRecentEvents),
      eventCount: open.eventCount + 1,
      lastAt: at,
      state: allResolved ? 'resolved' : 'firing',
      resolvedAt: allResolved ? at : null,
    },
  };
}
