/**
 * What the owner page keeps to resume its session after a reload: tokens and choices in sessionStorage (this tab
 * only, gone with it), an uploaded clip in IndexedDB (too large for sessionStorage) so it can be published again.
 */
export interface SavedSession {
  sessionId: string;
  ownerToken: string;
  viewerToken: string;
  target: { x: number; y: number; timeSeconds: number };
  /** The built-in clip, or a file the user uploaded (kept in IndexedDB). */
  clip: 'demo' | 'file';
  /** Where the clip was, to publish on from there. */
  clipTime: number;
}

/** The sessionStorage key of the saved session (the tests read the tokens from it too). */
export const SAVED_SESSION_KEY = 'tooncast:owner-session';
const DB = 'tooncast';
const STORE = 'clips';

export function loadSession(): SavedSession | undefined {
  const text = sessionStorage.getItem(SAVED_SESSION_KEY);
  if (!text) return undefined;
  try {
    return JSON.parse(text) as SavedSession;
  } catch {
    sessionStorage.removeItem(SAVED_SESSION_KEY);
    return undefined;
  }
}

export function saveSession(saved: SavedSession): void {
  sessionStorage.setItem(SAVED_SESSION_KEY, JSON.stringify(saved));
}

export function forgetSession(): void {
  sessionStorage.removeItem(SAVED_SESSION_KEY);
  void clipStore('readwrite', (s) => s.delete(SAVED_SESSION_KEY)).catch(() => undefined);
}

function clipStore<T>(mode: IDBTransactionMode, run: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore(STORE);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const request = run(db.transaction(STORE, mode).objectStore(STORE));
      request.onsuccess = () => {
        resolve(request.result);
        db.close();
      };
      request.onerror = () => {
        reject(request.error);
        db.close();
      };
    };
  });
}

export function saveClip(clip: Blob): Promise<unknown> {
  return clipStore('readwrite', (s) => s.put(clip, SAVED_SESSION_KEY));
}

export function loadClip(): Promise<Blob | undefined> {
  return clipStore('readonly', (s) => s.get(SAVED_SESSION_KEY) as IDBRequest<Blob | undefined>);
}
