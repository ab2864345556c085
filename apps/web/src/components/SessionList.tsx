// "Your sessions": every live session of the signed-in address (GET /api/auth/sessions), this
// browser's first and the others newest first, each with its device, the date it signed in and
// when it was last used, and an "End session" for every one but this browser's; then "Sign out
// everywhere", confirmed in the page, which ends them all. The list is read again after each
// revoke and whenever the page is shown again (a sign-in on another device meanwhile).

import { useEffect, useId, useRef, useState } from 'react';
import { listSessions, revokeSession, type SessionInfo } from '../api';
import { formatTime, formatTimeAgo, isoTime, type Clock } from '../format';
import { escapeControlCharacters } from '@wallet-login/challenge';
import { summarizeUserAgent } from '../userAgent';
import { ListReadStatus, useRemoteList, type ListState } from './RemoteList';
import { ErrorNotice } from './Status';

export interface SessionListProps {
  /** The page's clock, for "5 minutes ago". */
  clock: Clock;
  /** For the wording of errors. */
  registration: 'open' | 'closed';
  /**
   * Ends every session of this address (POST /api/auth/logout-all) and shows the signed-out view;
   * rejects with the failure, which the list then shows.
   */
  onSignOutEverywhere(): Promise<void>;
  /** Called when a read or a revoke worked: the server is reachable again. */
  onServerReached?(): void;
}

/** How often "5 minutes ago" is brought up to date while the page is open. */
const TICK_MS = 30_000;

/** This browser's session first (it is the one people look for), the others as the server sorts them: newest first. */
function thisDeviceFirst(sessions: SessionInfo[]): SessionInfo[] {
  return [...sessions.filter((session) => session.current), ...sessions.filter((session) => !session.current)];
}

async function readSessions(): Promise<SessionInfo[]> {
  return thisDeviceFirst(await listSessions());
}

export function SessionList({ clock, registration, onSignOutEverywhere, onServerReached }: SessionListProps) {
  const id = useId();
  const headingId = `${id}-heading`;
  const confirmId = `${id}-confirm`;
  const { list, items: sessions, now, retry, acting: revoking, act, actionError, setActionError, announcement, heading, listElement } =
    useRemoteList({ read: readSessions, clock, onServerReached, actionButtons: 'button[data-revoke]', tickMs: TICK_MS });
  const [confirming, setConfirming] = useState(false);
  const [endingAll, setEndingAll] = useState(false);
  const everywhereButton = useRef<HTMLButtonElement>(null);
  const cancelButton = useRef<HTMLButtonElement>(null);
  /** Where focus goes as the confirm step opens (Cancel) or closes (its button again). */
  const confirmFocus = useRef<'cancel' | 'everywhere' | undefined>(undefined);

  useEffect(() => {
    const target = confirmFocus.current;
    confirmFocus.current = undefined;
    if (target === 'cancel') cancelButton.current?.focus();
    else if (target === 'everywhere') everywhereButton.current?.focus();
  }, [confirming]);

  // A not_found: it had already ended (expired, signed out there); the list read next shows that.
  const revoke = (session: SessionInfo, position: number): Promise<void> =>
    act({
      key: session.id,
      position,
      run: () => revokeSession(session.id),
      done: `The session on ${summarizeUserAgent(session.userAgent)} has ended.`,
    });

  const openConfirm = (): void => {
    setActionError(undefined);
    confirmFocus.current = 'cancel';
    setConfirming(true);
  };

  const closeConfirm = (): void => {
    confirmFocus.current = 'everywhere';
    setConfirming(false);
  };

  const signOutEverywhere = async (): Promise<void> => {
    setEndingAll(true);
    setActionError(undefined);
    try {
      // On success the page switches to its signed-out view and this list is gone.
      await onSignOutEverywhere();
    } catch (error) {
      setActionError(error);
      setEndingAll(false);
      closeConfirm();
    }
  };

  return (
    <section className="sessions" aria-labelledby={headingId} aria-busy={list.kind === 'loading'}>
      <h2 className="panel-title" id={headingId} ref={heading} tabIndex={-1}>
        Your sessions
      </h2>
      <ListReadStatus list={list} registration={registration} loading="Loading your sessions…" onRetry={retry} />
      {list.kind === 'loaded' && (
        <ul className="session-list" aria-labelledby={headingId} ref={listElement}>
          {sessions.map((session, index) => {
            const name = summarizeUserAgent(session.userAgent);
            const detailsId = `${id}-session-${index}`;
            const position = sessions.slice(0, index).filter((other) => !other.current).length;
            return (
              <li key={session.id} className={session.current ? 'session session-current' : 'session'} data-testid="session">
                <div className="session-about">
                  <p className="session-device" title={session.userAgent === null ? undefined : escapeControlCharacters(session.userAgent)}>
                    <span>{name}</span>
                    {session.current && <span className="badge badge-current">This device</span>}
                  </p>
                  <p className="session-times" id={detailsId}>
                    {session.createdAt !== null && (
                      <span>
                        Signed in{' '}
                        <time dateTime={isoTime(session.createdAt)} title={formatTimeAgo(session.createdAt, now)}>
                          {formatTime(session.createdAt)}
                        </time>
                      </span>
                    )}
                    {session.createdAt !== null && ' · '}
                    {session.current ? (
                      <span>Active now</span>
                    ) : session.lastSeenAt !== null ? (
                      <span>
                        Last seen <RelativeTime ms={session.lastSeenAt} now={now} />
                      </span>
                    ) : null}
                  </p>
                </div>
                {!session.current && (
                  <button
                    type="button"
                    className="button button-small"
                    data-revoke=""
                    aria-label={`End session on ${name}`}
                    aria-describedby={detailsId}
                    disabled={revoking !== undefined || endingAll}
                    onClick={() => void revoke(session, position)}
                  >
                    {revoking === session.id ? 'Ending…' : 'End session'}
                  </button>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      {actionError !== undefined && <ErrorNotice error={actionError} registration={registration} />}
      {confirming ? (
        <div
          className="confirm"
          role="group"
          aria-labelledby={confirmId}
          onKeyDown={(event) => {
            if (event.key === 'Escape' && !endingAll) closeConfirm();
          }}
        >
          <p id={confirmId} className="confirm-question">
            {confirmQuestion(list)}
          </p>
          <div className="actions">
            <button type="button" className="button button-danger" disabled={endingAll} onClick={() => void signOutEverywhere()}>
              {endingAll ? 'Signing out everywhere…' : 'Yes, sign out everywhere'}
            </button>
            <button type="button" className="button" ref={cancelButton} disabled={endingAll} onClick={closeConfirm}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button type="button" className="button button-wide" ref={everywhereButton} disabled={revoking !== undefined} onClick={openConfirm}>
          Sign out everywhere
        </button>
      )}
    </section>
  );
}

function confirmQuestion(list: ListState<SessionInfo>): string {
  if (list.kind === 'loaded' && list.items.length === 1) return 'Sign out of this session, your only one?';
  const all = list.kind === 'loaded' ? `all ${list.items.length} sessions` : 'every session';
  return `Sign out of ${all}, this one included? You will need to sign in again on each device.`;
}

/** "5 minutes ago", with the exact time for machines and on hover. */
function RelativeTime({ ms, now }: { ms: number; now: number }) {
  return (
    <time dateTime={isoTime(ms)} title={formatTime(ms)}>
      {formatTimeAgo(ms, now)}
    </time>
  );
}
