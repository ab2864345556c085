// A list of the signed-in address's things read from the server, with one action per row that
// ends the thing (a session's End session, an app's Remove): what "Your sessions" and "Apps you
// allowed" share. The list is read on mount and whenever the page is shown again, only the latest
// read is shown, and once an action is over focus goes to the row now at its place (else the last
// row's, else the heading) and a sentence says what it did.

import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import { errorCode } from '../errors';
import type { Clock } from '../format';
import { ErrorNotice } from './Status';

export type ListState<T> = { kind: 'loading' } | { kind: 'failed'; error: unknown } | { kind: 'loaded'; items: T[] };

export interface RemoteListOptions<T> {
  /** Reads the list from the server. */
  read(): Promise<T[]>;
  /** The page's clock: `now` is read from it with each list. */
  clock: Clock;
  /** Called when a read or an action worked: the server is reachable again. */
  onServerReached?(): void;
  /** The rows' action buttons (a selector inside the list element), where focus goes after an action. */
  actionButtons: string;
  /**
   * How often `now` is brought up to date while the list is on the page ("5 minutes ago").
   * @default undefined: only with each read
   */
  tickMs?: number;
}

export interface ActOptions {
  /** The row's key while its action is under way (`acting`). */
  key: string;
  /** The position of the row's action button among the list's, for focus once it is over. */
  position: number;
  /** The action on the server; a not_found means it was already done elsewhere, which is no failure. */
  run(): Promise<void>;
  /** The sentence announced once it worked. */
  done: string;
}

export interface RemoteList<T> {
  list: ListState<T>;
  /** The rows of the list as last read, none while loading or failed. */
  items: T[];
  /** The clock's time at the last read (or tick). */
  now: number;
  /** Reads the list again. */
  load(): Promise<void>;
  /** Try again after a failed read: loading, then the read. */
  retry(): void;
  /** The key of the row whose action is under way. */
  acting: string | undefined;
  /** Runs one row's action, then reads the list again. */
  act(options: ActOptions): Promise<void>;
  /** The failure of the last action, until the next action or a read that works. */
  actionError: unknown;
  setActionError(error: unknown): void;
  /** What the last action did, for a role="status" line. */
  announcement: string;
  /** The section's heading (tabIndex -1): focus goes there when no row is left. */
  heading: RefObject<HTMLHeadingElement | null>;
  /** The list element, whose `actionButtons` receive focus after an action. */
  listElement: RefObject<HTMLUListElement | null>;
}

export function useRemoteList<T>({ read, clock, onServerReached, actionButtons, tickMs }: RemoteListOptions<T>): RemoteList<T> {
  const [list, setList] = useState<ListState<T>>({ kind: 'loading' });
  const [now, setNow] = useState(() => clock.now());
  const [acting, setActing] = useState<string>();
  const [actionError, setActionError] = useState<unknown>();
  const [announcement, setAnnouncement] = useState('');
  const heading = useRef<HTMLHeadingElement>(null);
  const listElement = useRef<HTMLUListElement>(null);
  /** Only the latest read of the list is shown, whatever order the answers arrive in. */
  const latestRead = useRef(0);
  /**
   * Once an action is over, focus goes to the action button at this position: the next row's
   * after a removal (else the last one's, else the heading), the same one's after a failure.
   */
  const focusAfterAction = useRef<number | undefined>(undefined);

  const reader = useRef(read);
  reader.current = read;
  const reached = useRef(onServerReached);
  reached.current = onServerReached;

  const load = useCallback(async (): Promise<void> => {
    const readNumber = ++latestRead.current;
    try {
      const items = await reader.current();
      if (readNumber !== latestRead.current) return;
      setNow(clock.now());
      setList({ kind: 'loaded', items });
      // The list is current again: an earlier failure's sentence would now mislead.
      setActionError(undefined);
      reached.current?.();
    } catch (error) {
      if (readNumber !== latestRead.current) return;
      setList({ kind: 'failed', error });
    }
  }, [clock]);

  useEffect(() => {
    void load();
    const onShown = (): void => {
      if (document.visibilityState === 'visible') void load();
    };
    document.addEventListener('visibilitychange', onShown);
    const timer = tickMs === undefined ? undefined : setInterval(() => setNow(clock.now()), tickMs);
    return () => {
      latestRead.current += 1;
      document.removeEventListener('visibilitychange', onShown);
      clearInterval(timer);
    };
  }, [load, clock, tickMs]);

  useEffect(() => {
    if (acting !== undefined || focusAfterAction.current === undefined) return;
    const position = focusAfterAction.current;
    focusAfterAction.current = undefined;
    const buttons = listElement.current?.querySelectorAll<HTMLButtonElement>(actionButtons) ?? [];
    const next = buttons[Math.min(position, buttons.length - 1)];
    (next ?? heading.current)?.focus();
  }, [acting, actionButtons]);

  const act = async ({ key, position, run, done }: ActOptions): Promise<void> => {
    setActing(key);
    setActionError(undefined);
    setAnnouncement('');
    focusAfterAction.current = position;
    try {
      await run();
    } catch (error) {
      // not_found: it was already done (elsewhere, or it expired); the list read next shows that.
      if (errorCode(error) !== 'not_found') {
        setActionError(error);
        setActing(undefined);
        return;
      }
    }
    setAnnouncement(done);
    await load();
    setActing(undefined);
  };

  const retry = (): void => {
    setList({ kind: 'loading' });
    void load();
  };

  const items = list.kind === 'loaded' ? list.items : [];
  return { list, items, now, load, retry, acting, act, actionError, setActionError, announcement, heading, listElement };
}

export interface ListReadStatusProps {
  list: ListState<unknown>;
  /** For the wording of errors. */
  registration: 'open' | 'closed';
  /** The progress line while the list is read, e.g. "Loading your sessions…". */
  loading: string;
  onRetry(): void;
}

/** While the list is read, a progress line; when the read failed, why, with Try again. */
export function ListReadStatus({ list, registration, loading, onRetry }: ListReadStatusProps) {
  if (list.kind === 'loading') {
    return (
      <p className="progress" role="status">
        <span className="spinner" aria-hidden="true" />
        {loading}
      </p>
    );
  }
  if (list.kind === 'failed') {
    return (
      <ErrorNotice error={list.error} registration={registration}>
        <p>
          <button type="button" className="button button-small" onClick={onRetry}>
            Try again
          </button>
        </p>
      </ErrorNotice>
    );
  }
  return null;
}
