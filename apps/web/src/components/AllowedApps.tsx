// "Apps you allowed": the applications the signed-in address allowed at an OpenID Connect consent
// step (GET /api/oidc/grants), newest first, each with what it may learn, when it was allowed, and
// a Remove that forgets the Allow and revokes that application's tokens (DELETE
// /api/oidc/grants/:clientId): its next sign-in asks again. Remove acts at once, like a session's
// End session, and says what it did: the app can simply be allowed again. The list is read again
// after each removal and whenever the page is shown again (an Allow in another tab meanwhile).
//
// Most people never sign in to another application with this page, so the section stays hidden
// while there is nothing to show: during the first read, and when that read finds no app. Once it
// has been shown it stays, with a sentence when the last app is removed, so focus and the
// "removed" sentence have somewhere to be.

import { useEffect, useId, useState } from 'react';
import { listAllowedApps, removeAllowedApp, type AllowedApp } from '../api';
import { formatTime, formatTimeAgo, isoTime, type Clock } from '../format';
import { describeScopes } from '../scopes';
import { ListReadStatus, useRemoteList } from './RemoteList';
import { ErrorNotice } from './Status';

export interface AllowedAppsProps {
  /** The page's clock, for "allowed 5 minutes ago" on hover. */
  clock: Clock;
  /** For the wording of errors. */
  registration: 'open' | 'closed';
  /** Called when a read or a removal worked: the server is reachable again. */
  onServerReached?(): void;
}

export function AllowedApps({ clock, registration, onServerReached }: AllowedAppsProps) {
  const id = useId();
  const headingId = `${id}-heading`;
  const { list, items: apps, now, retry, acting: removing, act, actionError, announcement, heading, listElement } = useRemoteList({
    read: listAllowedApps,
    clock,
    onServerReached,
    actionButtons: 'button[data-remove]',
  });
  /** The section has been on the page: it stays, even once empty. */
  const [shown, setShown] = useState(false);

  const hasContent = list.kind === 'failed' || (list.kind === 'loaded' && list.items.length > 0);
  useEffect(() => {
    if (hasContent) setShown(true);
  }, [hasContent]);

  // A not_found: it was already removed (in another tab); the list read next shows that.
  const remove = (app: AllowedApp, position: number): Promise<void> =>
    act({
      key: app.clientId,
      position,
      run: () => removeAllowedApp(app.clientId),
      done: `${app.name} is removed. It will ask you again the next time you sign in to it.`,
    });

  if (!hasContent && !shown) return null;

  return (
    <section className="allowed-apps" aria-labelledby={headingId} aria-busy={list.kind === 'loading'}>
      <h2 className="panel-title" id={headingId} ref={heading} tabIndex={-1}>
        Apps you allowed
      </h2>
      <p className="hint">These applications sign you in with this address without asking. Remove one and it asks again, and loses the access it has now.</p>
      <ListReadStatus list={list} registration={registration} loading="Loading the apps you allowed…" onRetry={retry} />
      {list.kind === 'loaded' && apps.length === 0 && <p data-testid="no-allowed-apps">No application can sign you in without asking.</p>}
      {list.kind === 'loaded' && apps.length > 0 && (
        <ul className="allowed-app-list" aria-labelledby={headingId} ref={listElement}>
          {apps.map((app, index) => {
            const detailsId = `${id}-app-${index}`;
            const scopes = describeScopes(app.scopes);
            return (
              <li key={app.clientId} className="allowed-app" data-testid="allowed-app">
                <div className="allowed-app-about">
                  <p className="allowed-app-name">{app.name}</p>
                  {scopes.length > 0 && (
                    <ul className="allowed-app-scopes" aria-label={`What ${app.name} may learn`}>
                      {scopes.map((words) => (
                        <li key={words}>{words}</li>
                      ))}
                    </ul>
                  )}
                  <p className="allowed-app-times" id={detailsId}>
                    Allowed{' '}
                    <time dateTime={isoTime(app.approvedAt)} title={formatTimeAgo(app.approvedAt, now)}>
                      {formatTime(app.approvedAt)}
                    </time>
                  </p>
                </div>
                <button
                  type="button"
                  className="button button-small"
                  data-remove=""
                  aria-label={`Remove ${app.name}`}
                  aria-describedby={detailsId}
                  disabled={removing !== undefined}
                  onClick={() => void remove(app, index)}
                >
                  {removing === app.clientId ? 'Removing…' : 'Remove'}
                </button>
              </li>
            );
          })}
        </ul>
      )}
      {/* Seen as well as heard: the app leaving the list is the only other sign that it worked. */}
      <p className={announcement === '' ? 'visually-hidden' : 'hint'} role="status" data-testid="allowed-apps-status">
        {announcement}
      </p>
      {actionError !== undefined && <ErrorNotice error={actionError} registration={registration} />}
    </section>
  );
}
